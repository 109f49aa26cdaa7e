//! The chart module writes SVG and PNG files with real content: text rendered from the
//! embedded font, blended interval bands, and no panic on awkward data.

use std::fs::File;
use std::path::Path;

use onboard::plots::{
    BAND_ALPHA, ChartFiles, HEIGHT, PALETTE, Panel, PlotError, Series, WIDTH, heatmap, line_chart,
    panels_chart, stacked_area,
};

/// A decoded PNG as RGB rows.
struct Image {
    width: u32,
    height: u32,
    rgb: Vec<[u8; 3]>,
}

impl Image {
    fn read(path: &Path) -> Image {
        let decoder = png::Decoder::new(File::open(path).expect("open png"));
        let mut reader = decoder.read_info().expect("png header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("png frame");
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let channels = match info.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            other => panic!("unexpected colour type {other:?}"),
        };
        let rgb = buf[..info.buffer_size()]
            .chunks_exact(channels)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        Image {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    /// Pixels in rows `rows` and columns `cols` matching `pred`.
    fn count(
        &self,
        rows: std::ops::Range<u32>,
        cols: std::ops::Range<u32>,
        pred: impl Fn([u8; 3]) -> bool,
    ) -> usize {
        rows.flat_map(|y| cols.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| pred(self.rgb[(y * self.width + x) as usize]))
            .count()
    }
}

fn dark(p: [u8; 3]) -> bool {
    p.iter().all(|&c| c < 110)
}

/// A retention-like curve and its band.
fn retention(name: &str, rate: f64) -> Series {
    let points: Vec<(f64, f64)> = (0..=30)
        .map(|d| (f64::from(d), (-rate * f64::from(d)).exp()))
        .collect();
    let band = points
        .iter()
        .map(|&(x, y)| (x, y - 0.08, y + 0.08))
        .collect();
    Series::new(name, points).with_band(band)
}

fn chart(dir: &Path, stem: &str, title: &str, y_label: &str, series: &[Series]) -> ChartFiles {
    line_chart(&dir.join(stem), title, "User age (days)", y_label, series).expect("line chart")
}

#[test]
fn line_chart_writes_svg_with_its_text_and_png_of_the_right_size() {
    let dir = tempfile::tempdir().unwrap();
    let series = [
        retention("Control", 0.05),
        retention("Welcome coupon", 0.03),
    ];
    let files = chart(
        dir.path(),
        "retention",
        "Retention by arm",
        "Active share",
        &series,
    );
    assert_eq!(files.svg, dir.path().join("retention.svg"));
    assert_eq!(files.png, dir.path().join("retention.png"));

    let svg = std::fs::read_to_string(&files.svg).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(&format!(r#"width="{WIDTH}" height="{HEIGHT}""#)));
    for text in [
        "Retention by arm",
        "Control",
        "Welcome coupon",
        "User age (days)",
        "Active share",
    ] {
        assert!(
            svg.contains(&format!(">\n{text}\n</text>")),
            "{text} missing"
        );
    }
    assert!(svg.contains(r#"font-family="sans-serif""#));
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    // The two bands are filled polygons at the band opacity.
    assert!(svg.matches(&format!(r#"opacity="{BAND_ALPHA}""#)).count() >= 2);

    let png = Image::read(&files.png);
    assert_eq!((png.width, png.height), (WIDTH, HEIGHT));
    // Both series' line colours appear.
    for &(r, g, b) in &PALETTE[..2] {
        assert!(png.count(0..HEIGHT, 0..WIDTH, |p| p == [r, g, b]) > 100);
    }
}

#[test]
fn panels_chart_stacks_one_titled_chart_per_panel() {
    let dir = tempfile::tempdir().unwrap();
    let panels: Vec<Panel> = ["all users", "signal: browser", "signal: gift_buyer"]
        .iter()
        .enumerate()
        .map(|(k, title)| Panel {
            title: title.to_string(),
            series: vec![retention("coupon", 0.02 * (k as f64 + 1.0))],
        })
        .collect();
    let files = panels_chart(
        &dir.path().join("mix"),
        "Levers by age and signal",
        "age",
        "users (%)",
        &panels,
    )
    .expect("panels chart");
    // The title strip, then 300 pixels per panel.
    let height = 40 + 3 * 300;
    let svg = std::fs::read_to_string(&files.svg).unwrap();
    assert!(svg.contains(&format!(r#"width="{WIDTH}" height="{height}""#)));
    for text in [
        "Levers by age and signal",
        "all users",
        "signal: browser",
        "signal: gift_buyer",
    ] {
        assert!(
            svg.contains(&format!(">\n{text}\n</text>")),
            "{text} missing"
        );
    }
    assert_eq!(
        svg.matches(">\nusers (%)\n</text>").count(),
        3,
        "one y label per panel"
    );
    let png = Image::read(&files.png);
    assert_eq!((png.width, png.height), (WIDTH, height));
    // Each panel draws its line in the first colour, inside its own strip.
    let (r, g, b) = PALETTE[0];
    for k in 0..3 {
        let strip = 40 + k * 300..40 + (k + 1) * 300;
        assert!(
            png.count(strip, 0..WIDTH, |p| p == [r, g, b]) > 100,
            "panel {k}"
        );
    }
    let empty = panels_chart(&dir.path().join("none"), "No panels", "age", "users", &[]);
    assert!(empty.is_ok(), "{empty:?}");
}

#[test]
fn svg_escapes_markup_in_text() {
    let dir = tempfile::tempdir().unwrap();
    let files = chart(
        dir.path(),
        "escape",
        "Profit <per user> & day",
        "Profit (€)",
        &[Series::new("A&B", vec![(0.0, 1.0), (1.0, 2.0)])],
    );
    let svg = std::fs::read_to_string(&files.svg).unwrap();
    assert!(svg.contains("Profit &lt;per user&gt; &amp; day"));
    assert!(svg.contains("A&amp;B"));
    assert!(svg.contains("Profit (€)"));
}

#[test]
fn png_text_is_rendered_from_the_embedded_font() {
    let dir = tempfile::tempdir().unwrap();
    let series = [retention("Control", 0.05)];
    let titled = Image::read(&chart(dir.path(), "t", "Retention by arm", "Share", &series).png);
    let untitled = Image::read(&chart(dir.path(), "u", "", "Share", &series).png);
    // The strip above the plot holds the title and nothing else.
    let title_rows = 0..36;
    let with = titled.count(title_rows.clone(), 0..WIDTH, dark);
    let without = untitled.count(title_rows, 0..WIDTH, dark);
    assert_eq!(without, 0);
    assert!(with > 150, "only {with} dark pixels in the title strip");
    // Anti-aliased glyph edges: grey levels, not only black and white.
    let greys = titled.count(0..36, 0..WIDTH, |p| {
        p[0] == p[1] && p[1] == p[2] && (40..215).contains(&p[0])
    });
    assert!(greys > 50, "only {greys} grey pixels in the title");

    // The rotated y-axis label at the left edge.
    let labelled = Image::read(&chart(dir.path(), "l", "T", "Share of users", &series).png);
    let unlabelled = Image::read(&chart(dir.path(), "n", "T", "", &series).png);
    let left = |img: &Image| img.count(40..HEIGHT, 0..30, dark);
    assert_eq!(left(&unlabelled), 0);
    assert!(left(&labelled) > 80, "y label: {}", left(&labelled));

    // Legend text to the right of the plot.
    let named = |name: &str| {
        let files = chart(dir.path(), "legend", "T", "S", &[retention(name, 0.05)]);
        Image::read(&files.png).count(40..80, WIDTH - 150..WIDTH, dark)
    };
    assert!(named("Control arm") > 40 + named("C"));
}

#[test]
fn bands_are_blended_over_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let (r, g, b) = PALETTE[0];
    let blend = |c: u8| (255.0 * (1.0 - BAND_ALPHA) + f64::from(c) * BAND_ALPHA).round();
    let expected = [blend(r), blend(g), blend(b)];
    let is_band = |p: [u8; 3]| {
        p.iter()
            .zip(expected)
            .all(|(&c, e)| (f64::from(c) - e).abs() <= 3.0)
    };

    let banded = Image::read(&chart(dir.path(), "b", "T", "S", &[retention("A", 0.05)]).png);
    let mut plain = retention("A", 0.05);
    plain.band = None;
    let bare = Image::read(&chart(dir.path(), "p", "T", "S", &[plain]).png);

    let inside = banded.count(0..HEIGHT, 0..WIDTH, is_band);
    assert!(inside > 5_000, "only {inside} band pixels");
    assert!(bare.count(0..HEIGHT, 0..WIDTH, is_band) < 100);
}

#[test]
fn step_series_and_stepped_bands_draw() {
    let dir = tempfile::tempdir().unwrap();
    let km = Series::new("Kaplan–Meier", vec![(0.0, 1.0), (3.0, 0.8), (10.0, 0.5)])
        .with_band(vec![(0.0, 1.0, 1.0), (3.0, 0.7, 0.9), (10.0, 0.4, 0.6)])
        .stepped();
    let files = chart(dir.path(), "km", "Survival", "Surviving share", &[km]);
    let png = Image::read(&files.png);
    let (r, g, b) = PALETTE[0];
    // A step function is all horizontal and vertical runs: long runs of line colour.
    let longest_run = (0..HEIGHT)
        .map(|y| {
            let mut best = 0;
            let mut run = 0;
            for x in 0..WIDTH {
                run = if png.rgb[(y * WIDTH + x) as usize] == [r, g, b] {
                    run + 1
                } else {
                    0
                };
                best = best.max(run);
            }
            best
        })
        .max()
        .unwrap();
    assert!(longest_run > 100, "longest horizontal run {longest_run}");
}

#[test]
fn awkward_data_draws_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let nan = f64::NAN;
    let cases: Vec<(&str, Vec<Series>)> = vec![
        ("none", vec![]),
        ("empty", vec![Series::new("empty", vec![])]),
        (
            "all_nan",
            vec![Series::new("nan", vec![(nan, nan), (1.0, nan)])],
        ),
        ("one_point", vec![Series::new("one", vec![(2.0, 3.0)])]),
        (
            "flat",
            vec![Series::new("flat", vec![(0.0, 0.5), (1.0, 0.5)])],
        ),
        (
            "same_x",
            vec![Series::new("x", vec![(1.0, 0.0), (1.0, 1.0)])],
        ),
        (
            "some_nan",
            vec![
                Series::new("a", vec![(0.0, 1.0), (1.0, nan), (nan, 2.0), (3.0, 0.5)])
                    .with_band(vec![(0.0, nan, 1.0), (1.0, 0.2, 0.4), (3.0, 0.1, 0.9)]),
                Series::new("", vec![(0.0, 2.0), (f64::INFINITY, 1.0), (4.0, 1.0)]),
            ],
        ),
        (
            "huge",
            vec![Series::new(
                "huge",
                vec![(0.0, f64::MAX), (1.0, -f64::MAX), (2.0, 1e300), (3.0, 1.0)],
            )],
        ),
        (
            "tiny",
            vec![Series::new("tiny", vec![(0.0, 1e-300), (1.0, 2e-300)])],
        ),
        (
            "unsorted",
            vec![Series::new("u", vec![(3.0, 1.0), (1.0, 2.0), (2.0, 0.0)]).stepped()],
        ),
        (
            "many",
            (0..14)
                .map(|i| Series::new(format!("arm {i}"), vec![(0.0, 0.0), (1.0, f64::from(i))]))
                .collect(),
        ),
        (
            "long_name",
            vec![Series::new("a".repeat(300), vec![(0.0, 0.0), (1.0, 1.0)])],
        ),
        (
            "band_only",
            vec![Series {
                name: "band".into(),
                points: vec![],
                band: Some(vec![(0.0, 0.0, 1.0)]),
                step: true,
            }],
        ),
    ];
    for (stem, series) in cases {
        let files = line_chart(&dir.path().join(stem), &"T".repeat(200), "x", "y", &series)
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        let png = Image::read(&files.png);
        assert_eq!((png.width, png.height), (WIDTH, HEIGHT), "{stem}");
    }
}

#[test]
fn stacked_area_fills_categories_in_their_colours() {
    let dir = tempfile::tempdir().unwrap();
    let categories: Vec<String> = ["nothing", "welcome coupon", "push notification"]
        .map(String::from)
        .to_vec();
    let x: Vec<f64> = (0..30).map(f64::from).collect();
    let coupon: Vec<f64> = x.iter().map(|a| 0.4 * (-a / 10.0).exp()).collect();
    let push: Vec<f64> = x.iter().map(|_| 0.2).collect();
    let nothing: Vec<f64> = coupon.iter().zip(&push).map(|(c, p)| 1.0 - c - p).collect();
    let files = stacked_area(
        &dir.path().join("mix"),
        "Action mix by user age",
        "User age (days)",
        "Share of actions",
        &categories,
        &x,
        &[nothing, coupon, push],
    )
    .expect("stacked area");

    let svg = std::fs::read_to_string(&files.svg).unwrap();
    for text in [
        "Action mix by user age",
        "nothing",
        "welcome coupon",
        "push notification",
        "Share of actions",
    ] {
        assert!(svg.contains(text), "{text} missing");
    }
    let png = Image::read(&files.png);
    assert_eq!((png.width, png.height), (WIDTH, HEIGHT));
    for (k, &(r, g, b)) in PALETTE[..3].iter().enumerate() {
        let n = png.count(0..HEIGHT, 0..WIDTH, |p| p == [r, g, b]);
        assert!(n > 5_000, "category {k}: {n} pixels");
    }
}

#[test]
fn stacked_area_tolerates_nan_and_empty_data() {
    let dir = tempfile::tempdir().unwrap();
    let cats = vec!["a".to_string(), "b".to_string()];
    let nan = f64::NAN;
    let stem = dir.path().join("s");
    stacked_area(&stem, "T", "x", "y", &cats, &[], &[vec![], vec![]]).unwrap();
    stacked_area(&stem, "T", "x", "y", &[], &[1.0, 2.0], &[]).unwrap();
    stacked_area(&stem, "T", "x", "y", &cats, &[0.0], &[vec![0.5], vec![0.5]]).unwrap();
    stacked_area(
        &stem,
        "T",
        "x",
        "y",
        &cats,
        &[0.0, nan, 2.0, 3.0],
        &[vec![0.5, 0.5, nan, -0.1], vec![0.5, 0.5, 0.5, 1.2]],
    )
    .unwrap();
    assert!(stem.with_extension("png").exists());
}

#[test]
fn errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cats = vec!["a".to_string()];
    let stem = dir.path().join("bad");
    let err = stacked_area(&stem, "T", "x", "y", &cats, &[1.0, 2.0], &[vec![1.0]]).unwrap_err();
    assert!(matches!(err, PlotError::Data { .. }));
    assert!(err.to_string().contains("bad"), "{err}");
    let err = stacked_area(&stem, "T", "x", "y", &cats, &[1.0], &[]).unwrap_err();
    assert!(matches!(err, PlotError::Data { .. }), "{err}");

    let missing = dir.path().join("no-such-dir").join("chart");
    let err = line_chart(&missing, "T", "x", "y", &[]).unwrap_err();
    assert!(matches!(err, PlotError::Draw { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&missing.with_extension("svg").display().to_string()),
        "{err}"
    );
}

#[test]
fn stem_keeps_dots() {
    let dir = tempfile::tempdir().unwrap();
    let files = line_chart(&dir.path().join("run.v2"), "T", "x", "y", &[]).unwrap();
    assert_eq!(files.svg, dir.path().join("run.v2.svg"));
    assert!(files.svg.exists() && files.png.exists());
}

#[test]
fn embedded_font_registers() {
    onboard::plots::register_fonts().unwrap();
    onboard::plots::register_fonts().unwrap();
    assert!(onboard::plots::font::DEJAVU_SANS.len() > 100_000);
}

#[test]
fn heatmap_colours_each_combination_on_the_scale_and_outlines_the_best() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = ([0.1, 0.2, 0.3], [300.0, 600.0]);
    let z = vec![vec![1.0, 2.0, f64::NAN], vec![4.0, 5.0, 6.5]];
    let files = heatmap(
        &dir.path().join("heat"),
        "Profit by discount and users",
        "discount",
        "users",
        (&x, &y),
        &z,
        Some((2, 1)),
    )
    .expect("heatmap");
    let svg = std::fs::read_to_string(&files.svg).unwrap();
    for text in [
        "Profit by discount and users",
        "discount",
        "users",
        "6.5",
        "0.3",
        "600",
    ] {
        assert!(svg.contains(text), "{text} missing");
    }
    let png = Image::read(&files.png);
    // The lowest value takes viridis' first colour, the missing one grey, and the
    // best cell's outline is red.
    let near = |p: [u8; 3], q: [u8; 3]| p.iter().zip(q).all(|(a, b)| a.abs_diff(b) <= 3);
    let lowest = png.count(0..HEIGHT, 0..WIDTH, |p| near(p, [68, 1, 84]));
    let missing = png.count(0..HEIGHT, 0..WIDTH, |p| p == [220, 220, 220]);
    let outline = png.count(0..HEIGHT, 0..WIDTH, |p| p == [255, 0, 0]);
    assert!(lowest > 5_000, "{lowest} pixels of the lowest value");
    assert!(missing > 5_000, "{missing} pixels of the missing value");
    assert!(outline > 500, "{outline} pixels of the best cell's outline");

    let err = heatmap(
        &dir.path().join("bad"),
        "T",
        "x",
        "y",
        (&x, &y),
        &z[..1],
        None,
    )
    .unwrap_err();
    assert!(matches!(err, PlotError::Data { .. }), "{err}");
    let err = heatmap(
        &dir.path().join("bad"),
        "T",
        "x",
        "y",
        (&x, &y),
        &z,
        Some((3, 0)),
    )
    .unwrap_err();
    assert!(err.to_string().contains("outside the grid"), "{err}");
}
