//! Experiment charts, each written as both SVG and PNG.
//!
//! Plain data in, files out: [`line_chart`] draws lines with shaded interval bands
//! (retention and survival curves, cumulative conversion, profit per user, learning
//! curves, regret), [`panels_chart`] stacks several such charts under one title
//! (action mix by user age, one panel per segment signal), [`stacked_area`] draws
//! shares that sum to one, [`heatmap`] draws a value over the grid of two
//! parameters, [`forest`] draws estimates with their intervals, one row each. Every
//! chart is [`WIDTH`] × [`HEIGHT`] pixels (a panels chart is as high as its panels
//! need), with a title, axis labels (the caller puts units in them) and a legend to
//! the right of the plot.
//!
//! Data is taken as it comes: points with a NaN, infinite or absurdly large
//! (|v| > [`MAX_ABS`]) coordinate are skipped, empty series are drawn as nothing (but
//! listed in the legend), and an empty chart gets unit axes. PNG text is drawn with
//! the embedded font of [`font`], so no font needs to be installed.

mod chart;
pub mod font;
mod forest;
mod heatmap;

use crate::output::write_atomically;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use plotters::prelude::{BitMapBackend, IntoDrawingArea, SVGBackend};

use self::chart::{AreaFigure, Figure, LineFigure, PanelsFigure};
pub use self::font::{FontError, register_fonts};
use self::forest::ForestFigure;
use self::heatmap::HeatmapFigure;

/// Width of every chart, in pixels.
pub const WIDTH: u32 = 800;

/// Height of every chart, in pixels.
pub const HEIGHT: u32 = 500;

/// Opacity of interval bands over the white background.
pub const BAND_ALPHA: f64 = 0.2;

/// Coordinates larger than this in magnitude are skipped like NaN.
pub const MAX_ABS: f64 = 1e100;

/// Series and category colours in order (Tableau 10); they repeat after ten.
pub const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// One line of a [`line_chart`], with an optional interval band.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend entry; a series with an empty name is left out of the legend.
    pub name: String,
    /// `(x, y)` points, drawn in order of x.
    pub points: Vec<(f64, f64)>,
    /// `(x, low, high)`: an interval shaded in the series' colour at [`BAND_ALPHA`].
    pub band: Option<Vec<(f64, f64, f64)>>,
    /// Draw as a right-continuous step function (Kaplan–Meier style): each y holds
    /// until the next x. Applies to the band too.
    pub step: bool,
}

impl Series {
    /// A plain line through `points`, without band.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            band: None,
            step: false,
        }
    }

    /// The same series with an interval band of `(x, low, high)` rows.
    pub fn with_band(mut self, band: Vec<(f64, f64, f64)>) -> Self {
        self.band = Some(band);
        self
    }

    /// The same series drawn as a step function.
    pub fn stepped(mut self) -> Self {
        self.step = true;
        self
    }
}

/// The two files a chart function wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFiles {
    /// `<stem>.svg`.
    pub svg: PathBuf,
    /// `<stem>.png`.
    pub png: PathBuf,
}

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The data given for the chart at `path` (the stem) is inconsistent.
    #[error("{}: {message}", .path.display())]
    Data {
        /// The path stem of the chart.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Drawing or writing the file at `path` failed.
    #[error("cannot write {}: {message}", .path.display())]
    Draw {
        /// The file being written.
        path: PathBuf,
        /// The error plotters reported.
        message: String,
    },
    /// The embedded font could not be registered, so no text can be drawn.
    #[error("cannot draw {}: {source}", .path.display())]
    Font {
        /// The path stem of the chart.
        path: PathBuf,
        /// The font error.
        source: FontError,
    },
}

/// Writes `<path_stem>.svg` and `<path_stem>.png`: one line per series in the colours
/// of [`PALETTE`], each with its shaded band, under `title`, with axis labels and a
/// legend. Axes span the finite data (bands included), y with 5% padding.
pub fn line_chart(
    path_stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<ChartFiles, PlotError> {
    let figure = LineFigure::new(title, x_label, y_label, series);
    render(path_stem, &figure)
}

/// One chart of a [`panels_chart`]: its title and its lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Panel {
    /// The panel's title.
    pub title: String,
    /// Its lines, drawn as by [`line_chart`].
    pub series: Vec<Series>,
}

/// Writes `<path_stem>.svg` and `<path_stem>.png`: one line chart per panel, one
/// above the other under `title`, all with the same axis labels, each with its own
/// title, axes and legend, as [`line_chart`] draws them.
pub fn panels_chart(
    path_stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    panels: &[Panel],
) -> Result<ChartFiles, PlotError> {
    let figure = PanelsFigure {
        title,
        panels: panels
            .iter()
            .map(|p| LineFigure::new(&p.title, x_label, y_label, &p.series))
            .collect(),
    };
    render(path_stem, &figure)
}

/// Writes `<path_stem>.svg` and `<path_stem>.png`: the shares of `categories` stacked
/// from the bottom in order, at each of the `x` values (e.g. action mix by user age).
///
/// `shares[k][i]` is the share of `categories[k]` at `x[i]`; shares at one x are meant
/// to sum to one (the y axis spans at least 0–1). Negative shares count as zero; an x
/// where x or any share is NaN (or beyond [`MAX_ABS`]) is skipped. Returns
/// [`PlotError::Data`] when the lengths disagree.
pub fn stacked_area(
    path_stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    categories: &[String],
    x: &[f64],
    shares: &[Vec<f64>],
) -> Result<ChartFiles, PlotError> {
    if shares.len() != categories.len() {
        return Err(PlotError::Data {
            path: path_stem.to_path_buf(),
            message: format!(
                "{} categories but {} rows of shares",
                categories.len(),
                shares.len()
            ),
        });
    }
    if let Some((k, row)) = shares
        .iter()
        .enumerate()
        .find(|(_, row)| row.len() != x.len())
    {
        return Err(PlotError::Data {
            path: path_stem.to_path_buf(),
            message: format!(
                "category {:?} has {} shares for {} x values",
                categories[k],
                row.len(),
                x.len()
            ),
        });
    }
    let figure = AreaFigure::new(title, x_label, y_label, categories, x, shares);
    render(path_stem, &figure)
}

/// Writes `<path_stem>.svg` and `<path_stem>.png`: `z[j][i]`, the value at
/// `(x[i], y[j])`, as a grid of rectangles on the viridis scale (grey where the
/// value is NaN), with the values written in when the grid is small, and the
/// combination `best` (`(i, j)`) outlined. Returns [`PlotError::Data`] when the
/// lengths disagree.
pub fn heatmap(
    path_stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    (x, y): (&[f64], &[f64]),
    z: &[Vec<f64>],
    best: Option<(usize, usize)>,
) -> Result<ChartFiles, PlotError> {
    let data_error = |message: String| PlotError::Data {
        path: path_stem.to_path_buf(),
        message,
    };
    if z.len() != y.len() {
        return Err(data_error(format!(
            "{} rows of values for {} y values",
            z.len(),
            y.len()
        )));
    }
    if let Some(j) = z.iter().position(|row| row.len() != x.len()) {
        return Err(data_error(format!(
            "row {j} has {} values for {} x values",
            z[j].len(),
            x.len()
        )));
    }
    if best.is_some_and(|(i, j)| i >= x.len() || j >= y.len()) {
        return Err(data_error("the best cell lies outside the grid".into()));
    }
    let figure = HeatmapFigure {
        title,
        x_label,
        y_label,
        x,
        y,
        z,
        best,
    };
    render(path_stem, &figure)
}

/// One row of a [`forest`]: an estimate and its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestRow {
    /// The row's label (left of the plot).
    pub label: String,
    /// The point estimate.
    pub estimate: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
}

/// Writes `<path_stem>.svg` and `<path_stem>.png`: one row per entry of `rows`, top
/// to bottom, its estimate a dot and its interval a bar, with
/// `reference` (a name and a value, e.g. the truth) drawn as a vertical line.
/// Unusable values (NaN, infinite) are left out; an interval reaching beyond the
/// axes is cut at them.
pub fn forest(
    path_stem: &Path,
    title: &str,
    x_label: &str,
    rows: &[ForestRow],
    reference: Option<(&str, f64)>,
) -> Result<ChartFiles, PlotError> {
    let figure = ForestFigure {
        title,
        x_label,
        rows,
        reference,
    };
    render(path_stem, &figure)
}

/// `stem` with `.ext` appended (not replacing an extension the stem may seem to have).
fn with_suffix(stem: &Path, ext: &str) -> PathBuf {
    let mut name = OsString::from(stem.as_os_str());
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// Draws `figure` into `<stem>.svg`, then `<stem>.png`.
fn render(stem: &Path, figure: &impl Figure) -> Result<ChartFiles, PlotError> {
    register_fonts().map_err(|source| PlotError::Font {
        path: stem.to_path_buf(),
        source,
    })?;
    let files = ChartFiles {
        svg: with_suffix(stem, "svg"),
        png: with_suffix(stem, "png"),
    };
    let draw_error = |path: &Path, message: String| PlotError::Draw {
        path: path.to_path_buf(),
        message,
    };

    // Each file is drawn into a temporary file and renamed: whole or absent.
    write_atomically(&files.svg, |partial| {
        let root = SVGBackend::new(partial, figure.size()).into_drawing_area();
        figure.draw(&root).and_then(|()| root.present())
    })
    .map_err(|e| draw_error(&e.path, e.message))?;
    // The PNG is drawn in memory and encoded apart, so that a failed write (a
    // full disk) reads as the I/O error it is.
    let (width, height) = figure.size();
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        figure
            .draw(&root)
            .and_then(|()| root.present())
            .map_err(|e| draw_error(&files.png, e.to_string()))?;
    }
    write_atomically(&files.png, |partial| {
        image::save_buffer(partial, &pixels, width, height, image::ColorType::Rgb8)
    })
    .map_err(|e| draw_error(&e.path, e.message))?;
    Ok(files)
}
