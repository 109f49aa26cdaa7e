//! A heatmap of a value over the grid of two parameters: one rectangle per
//! combination, coloured on the viridis scale, the value written in it, the best
//! combination outlined, and a legend of the scale.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{
    AXIS_LABEL_SIZE, DrawResult, Figure, LegendEntry, Swatch, TICK_SIZE, build, frame, text_style,
    usable,
};

/// Rows or columns beyond which the values are not written in the rectangles.
const MAX_LABELLED: usize = 12;
/// Legend entries of the colour scale.
const SCALE_STEPS: usize = 5;

/// A [`super::heatmap`], ready to draw.
pub(crate) struct HeatmapFigure<'a> {
    pub(crate) title: &'a str,
    pub(crate) x_label: &'a str,
    pub(crate) y_label: &'a str,
    pub(crate) x: &'a [f64],
    pub(crate) y: &'a [f64],
    /// `z[j][i]`: the value at `(x[i], y[j])`; NaN where there is none.
    pub(crate) z: &'a [Vec<f64>],
    /// `(i, j)` of the combination outlined.
    pub(crate) best: Option<(usize, usize)>,
}

impl HeatmapFigure<'_> {
    /// The range of the usable values (a unit range when there are none or one).
    fn range(&self) -> (f64, f64) {
        let (low, high) = self
            .z
            .iter()
            .flatten()
            .copied()
            .filter(|&v| usable(v))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        match (low.is_finite(), high > low) {
            (true, true) => (low, high),
            (true, false) => (low - 0.5, low + 0.5),
            _ => (0.0, 1.0),
        }
    }
}

/// The viridis colour of `v` on the scale from `low` to `high`.
fn shade(v: f64, (low, high): (f64, f64)) -> RGBColor {
    ViridisRGB.get_color_normalized(v, low, high)
}

/// `v` in at most 4 significant digits.
fn short(v: f64) -> String {
    let text = format!("{v:.4}");
    if v.abs() >= 1000.0 || (v != 0.0 && v.abs() < 0.001) {
        format!("{v:.2e}")
    } else {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

impl Figure for HeatmapFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let range = self.range();
        let legend: Vec<LegendEntry> = (0..SCALE_STEPS)
            .rev()
            .map(|k| {
                let v = range.0 + (range.1 - range.0) * k as f64 / (SCALE_STEPS - 1) as f64;
                LegendEntry {
                    name: short(v),
                    colour: shade(v, range),
                    swatch: Swatch::Fill,
                }
            })
            .collect();
        let plot = frame(root, self.title, &legend)?;
        let (nx, ny) = (self.x.len(), self.y.len());
        let x_values = self.x.to_vec();
        let y_values = self.y.to_vec();
        let label = |values: &[f64], v: f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < values.len() {
                short(values[i as usize])
            } else {
                String::new()
            }
        };
        let x_format = move |v: &f64| label(&x_values, *v);
        let y_format = move |v: &f64| label(&y_values, *v);
        let mut chart = build(&plot, -0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_labels(nx.max(1))
            .y_labels(ny.max(1))
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .label_style(text_style(TICK_SIZE))
            .axis_desc_style(text_style(AXIS_LABEL_SIZE))
            .axis_style(BLACK.mix(0.6))
            .draw()?;
        let grey = RGBColor(220, 220, 220);
        for (j, row) in self.z.iter().enumerate() {
            for (i, &v) in row.iter().enumerate() {
                let fill = if usable(v) { shade(v, range) } else { grey };
                let (x, y) = (i as f64, j as f64);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    fill.filled(),
                )))?;
            }
        }
        if nx <= MAX_LABELLED && ny <= MAX_LABELLED {
            let middle = (range.0 + range.1) / 2.0;
            for (j, row) in self.z.iter().enumerate() {
                for (i, &v) in row.iter().enumerate().filter(|(_, v)| usable(**v)) {
                    let ink = if v < middle { WHITE } else { BLACK };
                    let style = text_style(TICK_SIZE)
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    chart.draw_series(std::iter::once(Text::new(
                        short(v),
                        (i as f64, j as f64),
                        style,
                    )))?;
                }
            }
        }
        if let Some((i, j)) = self.best {
            let (x, y) = (i as f64, j as f64);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.47, y - 0.47), (x + 0.47, y + 0.47)],
                RED.stroke_width(3),
            )))?;
        }
        Ok(())
    }
}
