//! Drawing: cleaned-up chart data and the code that draws it on any plotters backend.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{BAND_ALPHA, MAX_ABS, PALETTE, Series};

/// Error of drawing on backend `DB`.
pub(super) type DrawError<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;
/// Result of drawing on backend `DB`.
pub(super) type DrawResult<DB> = Result<(), DrawError<DB>>;
/// A chart with f64 axes on backend `DB`.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Height of the title strip at the top of a chart, in pixels.
const TITLE_HEIGHT: u32 = 40;
/// Font sizes (plotters sizes: about 1.24 × the em height in pixels).
const TITLE_SIZE: f64 = 22.0;
pub(super) const AXIS_LABEL_SIZE: f64 = 17.0;
pub(super) const TICK_SIZE: f64 = 14.0;
const LEGEND_SIZE: f64 = 15.0;
/// Legend geometry: swatch width, gap to the text, row pitch, padding.
const SWATCH: i32 = 24;
const SWATCH_GAP: i32 = 6;
const LEGEND_ROW: i32 = 22;
const LEGEND_PAD: i32 = 10;
/// The legend takes at most this share of the chart width.
const LEGEND_MAX_SHARE: f64 = 0.3;
const LINE_WIDTH: u32 = 2;

/// Height of each panel of a [`PanelsFigure`], in pixels.
const PANEL_HEIGHT: u32 = 300;

/// Something drawable on any backend.
pub(crate) trait Figure {
    /// Draws the whole chart on `root` (the full image).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;

    /// The image's size in pixels.
    fn size(&self) -> (u32, u32) {
        (super::WIDTH, super::HEIGHT)
    }
}

/// The colour of series or category `i`.
fn colour(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Whether `v` is a coordinate we draw.
pub(super) fn usable(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_ABS
}

/// An axis range over `values` (usable ones only), padded by `pad` of its span on both
/// sides; a degenerate range is widened around its value, no values give `0..1`.
pub(super) fn axis_range(values: impl Iterator<Item = f64>, pad: f64) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| usable(*v))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return 0.0..1.0;
    }
    let span = hi - lo;
    let mid = lo / 2.0 + hi / 2.0;
    if span <= mid.abs() * 1e-9 || span < 1e-12 {
        let half = if mid == 0.0 {
            0.5
        } else {
            (mid.abs() * 0.1).max(1e-12)
        };
        return mid - half..mid + half;
    }
    lo - span * pad..hi + span * pad
}

/// Points of a step function through `points` (sorted by x): each y holds until the
/// next x.
fn staircase(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    for (i, &(x, y)) in points.iter().enumerate() {
        if i > 0 {
            out.push((x, points[i - 1].1));
        }
        out.push((x, y));
    }
    out
}

/// Tick label for `v` on an axis over `range`: the decimals the tick spacing needs,
/// without trailing zeros; scientific notation for very large or small magnitudes.
pub(super) fn tick_label(v: f64, range: &Range<f64>) -> String {
    let span = range.end - range.start;
    let magnitude = range.start.abs().max(range.end.abs());
    let text = if !(1e-4..1e6).contains(&magnitude) {
        if v == 0.0 {
            return "0".to_string();
        }
        let text = format!("{v:.3e}");
        match text.split_once('e') {
            Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa)),
            None => text,
        }
    } else {
        // Ticks are 1, 2 or 5 × 10^k with about ten to a span: the decimals of span / 10
        // show them all alike; one more, shown only when not zero, covers 0.25-like steps.
        let least = (-(span / 10.0).log10().floor()).clamp(0.0, 12.0) as usize;
        let mut text = format!("{v:.prec$}", prec = least + 1);
        if text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
        text
    };
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        return text[1..].to_string();
    }
    text
}

/// `text` (a decimal number) without trailing zeros after the point, nor a bare point.
fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// Text style in the chart font.
pub(super) fn text_style(size: f64) -> TextStyle<'static> {
    (FontFamily::SansSerif, size).into_font().color(&BLACK)
}

/// `text`, shortened with an ellipsis until it is at most `max_width` pixels wide.
fn fit_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    max_width: u32,
) -> Result<String, DrawError<DB>> {
    if area.estimate_text_size(text, style)?.0 <= max_width {
        return Ok(text.to_string());
    }
    // No glyph is narrower than a pixel: longer prefixes cannot fit.
    let mut chars: Vec<char> = text.chars().take(max_width as usize + 1).collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if area.estimate_text_size(&candidate, style)?.0 <= max_width {
            return Ok(candidate);
        }
    }
    Ok(String::new())
}

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    /// A line, over a band patch if the series has a band.
    Line { band: bool },
    /// A filled square.
    Fill,
}

/// One legend row.
pub(super) struct LegendEntry {
    pub(super) name: String,
    pub(super) colour: RGBColor,
    pub(super) swatch: Swatch,
}

/// Fills `root` white, draws `title` and `legend`; returns the area left for the plot.
pub(super) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendEntry],
) -> Result<DrawingArea<DB, Shift>, DrawError<DB>> {
    root.fill(&WHITE)?;
    let (width, _) = root.dim_in_pixel();
    let (title_area, body) = root.split_vertically(TITLE_HEIGHT);
    if !title.is_empty() {
        let style = text_style(TITLE_SIZE).pos(Pos::new(HPos::Center, VPos::Center));
        let text = fit_text(root, title, &style, width.saturating_sub(20))?;
        title_area.draw(&Text::new(
            text,
            ((width / 2) as i32, (TITLE_HEIGHT / 2) as i32),
            style,
        ))?;
    }

    let legend: Vec<&LegendEntry> = legend.iter().filter(|e| !e.name.is_empty()).collect();
    if legend.is_empty() {
        return Ok(body);
    }
    let style = text_style(LEGEND_SIZE);
    let chrome = (SWATCH + SWATCH_GAP + 2 * LEGEND_PAD) as u32;
    let max_width = (f64::from(width) * LEGEND_MAX_SHARE) as u32;
    let mut text_width = 0;
    for entry in &legend {
        text_width = text_width.max(root.estimate_text_size(&entry.name, &style)?.0);
    }
    let legend_width = (text_width + chrome).min(max_width);
    let (plot, legend_area) = body.split_horizontally(width - legend_width);

    let style = style.pos(Pos::new(HPos::Left, VPos::Center));
    for (row, entry) in legend.iter().enumerate() {
        let y = 2 * LEGEND_PAD + row as i32 * LEGEND_ROW;
        let x0 = LEGEND_PAD;
        let x1 = x0 + SWATCH;
        match entry.swatch {
            Swatch::Line { band } => {
                if band {
                    legend_area.draw(&Rectangle::new(
                        [(x0, y - 6), (x1, y + 6)],
                        entry.colour.mix(BAND_ALPHA).filled(),
                    ))?;
                }
                legend_area.draw(&PathElement::new(
                    vec![(x0, y), (x1, y)],
                    entry.colour.stroke_width(LINE_WIDTH),
                ))?;
            }
            Swatch::Fill => {
                legend_area.draw(&Rectangle::new(
                    [(x0 + 6, y - 6), (x1 - 6, y + 6)],
                    entry.colour.filled(),
                ))?;
            }
        }
        let name = fit_text(
            root,
            &entry.name,
            &style,
            legend_width.saturating_sub(chrome),
        )?;
        legend_area.draw(&Text::new(name, (x1 + SWATCH_GAP, y), style.clone()))?;
    }
    Ok(plot)
}

/// The plot of every chart on `area`: its margins and label areas, with f64 axes
/// spanning `x_range` and `y_range`.
pub(super) fn build<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x_range: Range<f64>,
    y_range: Range<f64>,
) -> Result<Chart<'a, DB>, DrawError<DB>> {
    build_with_labels(area, x_range, y_range, Y_LABEL_AREA)
}

/// Width of the y tick labels' area of a chart, in pixels.
pub(super) const Y_LABEL_AREA: u32 = 80;

/// [`build`] with a y label area `y_label_area` pixels wide (labels that are names,
/// not numbers, may need more).
pub(super) fn build_with_labels<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x_range: Range<f64>,
    y_range: Range<f64>,
    y_label_area: u32,
) -> Result<Chart<'a, DB>, DrawError<DB>> {
    ChartBuilder::on(area)
        .margin_top(10)
        .margin_right(15)
        .margin_bottom(5)
        .margin_left(5)
        .x_label_area_size(50)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(x_range, y_range)
}

/// Builds the axes on `area`: ranges, grid, tick labels and axis labels.
fn axes<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x_range: Range<f64>,
    y_range: Range<f64>,
    x_label: &str,
    y_label: &str,
) -> Result<Chart<'a, DB>, DrawError<DB>> {
    let x_ticks = x_range.clone();
    let y_ticks = y_range.clone();
    let x_format = move |v: &f64| tick_label(*v, &x_ticks);
    let y_format = move |v: &f64| tick_label(*v, &y_ticks);
    let mut chart = build(area, x_range, y_range)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .label_style(text_style(TICK_SIZE))
        .axis_desc_style(text_style(AXIS_LABEL_SIZE))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .axis_style(BLACK.mix(0.6))
        .draw()?;
    Ok(chart)
}

/// A [`Series`] with only usable points, sorted by x, and its colour.
struct Line {
    name: String,
    colour: RGBColor,
    points: Vec<(f64, f64)>,
    /// Band rows (x, low, high), usable and sorted; `None` if the series has none.
    band: Option<Vec<(f64, f64, f64)>>,
    step: bool,
}

/// A [`super::line_chart`], ready to draw.
pub(crate) struct LineFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    lines: Vec<Line>,
}

impl<'a> LineFigure<'a> {
    /// Cleans up `series`: drops unusable points, sorts by x, assigns colours.
    pub(crate) fn new(
        title: &'a str,
        x_label: &'a str,
        y_label: &'a str,
        series: &[Series],
    ) -> Self {
        let lines = series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut points: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .copied()
                    .filter(|&(x, y)| usable(x) && usable(y))
                    .collect();
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                let band = s.band.as_ref().map(|band| {
                    let mut band: Vec<(f64, f64, f64)> = band
                        .iter()
                        .copied()
                        .filter(|&(x, lo, hi)| usable(x) && usable(lo) && usable(hi))
                        .collect();
                    band.sort_by(|a, b| a.0.total_cmp(&b.0));
                    band
                });
                Line {
                    name: s.name.clone(),
                    colour: colour(i),
                    points,
                    band,
                    step: s.step,
                }
            })
            .collect();
        Self {
            title,
            x_label,
            y_label,
            lines,
        }
    }
}

impl Figure for LineFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let legend: Vec<LegendEntry> = self
            .lines
            .iter()
            .map(|l| LegendEntry {
                name: l.name.clone(),
                colour: l.colour,
                swatch: Swatch::Line {
                    band: l.band.is_some(),
                },
            })
            .collect();
        let plot = frame(root, self.title, &legend)?;

        let bands = || self.lines.iter().flat_map(|l| l.band.iter().flatten());
        let xs = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0))
            .chain(bands().map(|b| b.0));
        let ys = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .chain(bands().flat_map(|b| [b.1, b.2]));
        let mut chart = axes(
            &plot,
            axis_range(xs, 0.0),
            axis_range(ys, 0.05),
            self.x_label,
            self.y_label,
        )?;

        // All bands first, so that no band covers another series' line.
        for line in &self.lines {
            let Some(band) = line.band.as_ref().filter(|b| b.len() >= 2) else {
                continue;
            };
            let low: Vec<(f64, f64)> = band.iter().map(|&(x, lo, _)| (x, lo)).collect();
            let high: Vec<(f64, f64)> = band.iter().map(|&(x, _, hi)| (x, hi)).collect();
            let (mut low, mut high) = if line.step {
                (staircase(&low), staircase(&high))
            } else {
                (low, high)
            };
            high.reverse();
            low.append(&mut high);
            chart.draw_series(std::iter::once(Polygon::new(
                low,
                line.colour.mix(BAND_ALPHA).filled(),
            )))?;
        }
        for line in &self.lines {
            let style = line.colour.stroke_width(LINE_WIDTH);
            match line.points.as_slice() {
                [] => {}
                [only] => {
                    chart.draw_series(std::iter::once(Circle::new(*only, 3, style.filled())))?;
                }
                points => {
                    let path = if line.step {
                        staircase(points)
                    } else {
                        points.to_vec()
                    };
                    chart.draw_series(LineSeries::new(path, style))?;
                }
            }
        }
        Ok(())
    }
}

/// A [`super::panels_chart`], ready to draw: line charts one above the other under
/// one title, each [`PANEL_HEIGHT`] pixels high.
pub(crate) struct PanelsFigure<'a> {
    pub(crate) title: &'a str,
    pub(crate) panels: Vec<LineFigure<'a>>,
}

impl Figure for PanelsFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let body = frame(root, self.title, &[])?;
        let areas = body.split_evenly((self.panels.len().max(1), 1));
        for (panel, area) in self.panels.iter().zip(&areas) {
            panel.draw(area)?;
        }
        Ok(())
    }

    fn size(&self) -> (u32, u32) {
        let panels = u32::try_from(self.panels.len().max(1)).unwrap_or(u32::MAX);
        (
            super::WIDTH,
            TITLE_HEIGHT.saturating_add(PANEL_HEIGHT.saturating_mul(panels)),
        )
    }
}

/// A [`super::stacked_area`], ready to draw.
pub(crate) struct AreaFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    categories: &'a [String],
    /// Usable x values, sorted, each with its shares (negatives as zero).
    columns: Vec<(f64, Vec<f64>)>,
}

impl<'a> AreaFigure<'a> {
    /// Cleans up the data: keeps the x values where x and every share are usable,
    /// sorted by x. The lengths must have been checked.
    pub(crate) fn new(
        title: &'a str,
        x_label: &'a str,
        y_label: &'a str,
        categories: &'a [String],
        x: &[f64],
        shares: &[Vec<f64>],
    ) -> Self {
        let mut columns: Vec<(f64, Vec<f64>)> = x
            .iter()
            .enumerate()
            .filter_map(|(i, &x)| {
                let column: Vec<f64> = shares.iter().map(|row| row[i]).collect();
                (usable(x) && column.iter().all(|&s| usable(s)))
                    .then(|| (x, column.into_iter().map(|s| s.max(0.0)).collect()))
            })
            .collect();
        columns.sort_by(|a, b| a.0.total_cmp(&b.0));
        Self {
            title,
            x_label,
            y_label,
            categories,
            columns,
        }
    }
}

impl Figure for AreaFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        // Top category first, as the areas stack.
        let legend: Vec<LegendEntry> = self
            .categories
            .iter()
            .enumerate()
            .rev()
            .map(|(k, name)| LegendEntry {
                name: name.clone(),
                colour: colour(k),
                swatch: Swatch::Fill,
            })
            .collect();
        let plot = frame(root, self.title, &legend)?;

        let top = self
            .columns
            .iter()
            .map(|(_, shares)| shares.iter().sum::<f64>())
            .fold(1.0_f64, f64::max);
        let x_range = axis_range(self.columns.iter().map(|c| c.0), 0.0);
        let mut chart = axes(&plot, x_range, 0.0..top, self.x_label, self.y_label)?;

        if self.columns.len() < 2 {
            return Ok(());
        }
        let mut lower: Vec<f64> = vec![0.0; self.columns.len()];
        for k in 0..self.categories.len() {
            let upper: Vec<f64> = self
                .columns
                .iter()
                .zip(&lower)
                .map(|((_, shares), lo)| lo + shares[k])
                .collect();
            let outline: Vec<(f64, f64)> = self
                .columns
                .iter()
                .zip(&upper)
                .map(|((x, _), &y)| (*x, y))
                .chain(
                    self.columns
                        .iter()
                        .zip(&lower)
                        .rev()
                        .map(|((x, _), &y)| (*x, y)),
                )
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(outline, colour(k).filled())))?;
            lower = upper;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_carry_the_decimals_the_spacing_needs() {
        let days = 0.0..30.0;
        assert_eq!(tick_label(5.0, &days), "5");
        assert_eq!(tick_label(0.0, &days), "0");
        let share = 0.1..1.1;
        assert_eq!(tick_label(0.2, &share), "0.2");
        assert_eq!(tick_label(1.0, &share), "1.0");
        assert_eq!(tick_label(0.30000000000000004, &share), "0.3");
        assert_eq!(tick_label(0.25, &share), "0.25");
        assert_eq!(tick_label(0.25, &(0.2..0.3)), "0.25");
        assert_eq!(tick_label(0.2, &(0.1..0.26)), "0.20");
        assert_eq!(tick_label(-3.0, &(-5.0..5.0)), "-3");
        assert_eq!(tick_label(-1e-17, &(-1.0..1.0)), "0.0");
        assert_eq!(tick_label(2_500_000.0, &(0.0..5e6)), "2.5e6");
        assert_eq!(tick_label(2e-5, &(0.0..5e-5)), "2e-5");
        assert_eq!(tick_label(-0.0, &(-5e6..5e6)), "0");
        assert_eq!(tick_label(1000.00002, &(1000.0..1000.0002)), "1000.00002");
    }

    #[test]
    fn axis_ranges_cover_the_data_and_never_collapse() {
        let r = axis_range([0.0, 10.0, f64::NAN].into_iter(), 0.05);
        assert_eq!(r, -0.5..10.5);
        assert_eq!(axis_range(std::iter::empty(), 0.05), 0.0..1.0);
        assert_eq!(axis_range([0.0].into_iter(), 0.0), -0.5..0.5);
        let r = axis_range([2.0, 2.0].into_iter(), 0.0);
        assert!(r.start < 2.0 && r.end > 2.0);
        let r = axis_range([1e-300].into_iter(), 0.0);
        assert!(r.end - r.start > 1e-12);
        assert_eq!(axis_range([f64::MAX, 1.0, 3.0].into_iter(), 0.0), 1.0..3.0);
    }

    #[test]
    fn staircase_holds_each_value_until_the_next_x() {
        assert_eq!(
            staircase(&[(0.0, 1.0), (2.0, 0.5), (3.0, 0.25)]),
            vec![(0.0, 1.0), (2.0, 1.0), (2.0, 0.5), (3.0, 0.5), (3.0, 0.25)]
        );
        assert!(staircase(&[]).is_empty());
    }
}
