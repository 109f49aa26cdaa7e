//! A forest plot: one estimate and its interval per row (estimators of one
//! quantity, say) and a vertical reference line (the truth, where it is known).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{
    AXIS_LABEL_SIZE, DrawResult, Figure, LegendEntry, Swatch, TICK_SIZE, Y_LABEL_AREA, axis_range,
    build_with_labels, frame, text_style, tick_label, usable,
};
use super::{ForestRow, PALETTE};

/// Pixels per character of a row label at the tick size: the label area is as
/// wide as the longest label.
const LABEL_CHAR_WIDTH: u32 = 8;

/// A [`super::forest`], ready to draw.
pub(crate) struct ForestFigure<'a> {
    pub(crate) title: &'a str,
    pub(crate) x_label: &'a str,
    pub(crate) rows: &'a [ForestRow],
    pub(crate) reference: Option<(&'a str, f64)>,
}

impl Figure for ForestFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let mut legend = Vec::new();
        if let Some((name, _)) = self.reference {
            legend.push(LegendEntry {
                name: name.to_string(),
                colour: BLACK,
                swatch: Swatch::Line { band: false },
            });
        }
        let plot = frame(root, self.title, &legend)?;
        let values = self
            .rows
            .iter()
            .flat_map(|r| [r.estimate, r.low, r.high])
            .chain(self.reference.map(|(_, v)| v));
        let x_range = axis_range(values, 0.05);
        let n = self.rows.len();
        let labels: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        let y_format = move |v: &f64| {
            let i = v.round();
            let near = (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len();
            if near {
                labels[labels.len() - 1 - i as usize].clone()
            } else {
                String::new()
            }
        };
        let x_ticks = x_range.clone();
        let x_format = move |v: &f64| tick_label(*v, &x_ticks);
        let widest = self
            .rows
            .iter()
            .map(|r| r.label.chars().count())
            .max()
            .unwrap_or(0);
        let label_area = (widest as u32 * LABEL_CHAR_WIDTH + 20).max(Y_LABEL_AREA);
        let y_range = -0.5..n.max(1) as f64 - 0.5;
        let mut chart = build_with_labels(&plot, x_range.clone(), y_range, label_area)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(self.x_label)
            .x_labels(8)
            .y_labels(n.max(1))
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .label_style(text_style(TICK_SIZE))
            .axis_desc_style(text_style(AXIS_LABEL_SIZE))
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.12))
            .axis_style(BLACK.mix(0.6))
            .draw()?;
        if let Some((_, v)) = self.reference.filter(|(_, v)| usable(*v)) {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(v, -0.5), (v, n as f64 - 0.5)],
                BLACK.stroke_width(2),
            )))?;
        }
        let clamp = |v: f64| v.clamp(x_range.start, x_range.end);
        for (k, row) in self.rows.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            let (r, g, b) = PALETTE[0];
            let ink = RGBColor(r, g, b);
            if usable(row.low) && usable(row.high) {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(clamp(row.low), y), (clamp(row.high), y)],
                    ink.stroke_width(3),
                )))?;
            }
            if usable(row.estimate) {
                chart.draw_series(std::iter::once(Circle::new(
                    (row.estimate, y),
                    5,
                    ink.filled(),
                )))?;
            }
        }
        Ok(())
    }
}
