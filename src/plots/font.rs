//! The font that chart text is drawn with, embedded in the binary.
//!
//! PNG text is rasterised by plotters' `ab_glyph` feature from [`DEJAVU_SANS`], so charts
//! render the same on a machine without any font packages; there is no system font
//! lookup. SVG files name the CSS generic family [`FONT_FAMILY`] and leave the glyphs
//! to the viewer.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

/// DejaVu Sans 2.37, embedded (Bitstream Vera licence: `assets/fonts/LICENSE`).
pub const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Where [`DEJAVU_SANS`] comes from in the source tree, for messages.
pub const FONT_PATH: &str = "assets/fonts/DejaVuSans.ttf";

/// The family name charts use: plotters finds the embedded font under it, and SVG
/// viewers read it as the generic sans-serif family.
pub const FONT_FAMILY: &str = "sans-serif";

/// The embedded font could not be registered with plotters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the embedded font {FONT_PATH} could not be parsed")]
pub struct FontError;

/// Registers [`DEJAVU_SANS`] with plotters under [`FONT_FAMILY`] (all styles fall back to
/// it). Idempotent and thread-safe; the chart functions call it themselves.
///
/// With the `ab_glyph` feature plotters measures and draws text only in registered
/// fonts, and features are shared by the whole build: anything else drawing text with
/// plotters in this process (criterion's reports in benchmarks, say) needs this
/// called first.
pub fn register_fonts() -> Result<(), FontError> {
    static REGISTERED: OnceLock<Result<(), FontError>> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        register_font(FONT_FAMILY, FontStyle::Normal, DEJAVU_SANS).map_err(|_| FontError)
    })
}
