//! What a GIS user sees when they open the store in QGIS: a human title and description per table
//! (GeoPackage `gpkg_contents.identifier`/`description`, PostgreSQL table comments), and a
//! default style per layer in `layer_styles` — the table QGIS itself creates when a user saves a
//! style into a GeoPackage or a PostgreSQL database, with the same columns, so QGIS applies the
//! style when the layer is added (its default is the `useAsDefault` row), and a style a user
//! saves later goes into the same table beside ours.
//!
//! The styles follow the hierarchy: district → street → community outlines get thinner and
//! lighter, grids are thin outlines labelled by name once zoomed in, buildings are filled,
//! service centres and addresses are markers, roads are lines, other departments' networks dashed.
//! The QML uses the `<prop k v>` form of symbol layer properties, which every QGIS 3 reads.
//!
//! Titles and styles are created for new databases and added to existing ones on open (SQLite) or
//! by a migration (PostgreSQL); a title a person changed (an identifier other than the table
//! name) and a style row already there under our name are left as they are.

use rusqlite::{Transaction, params};

/// The `styleName` of the default styles wangge ships.
pub const STYLE_NAME: &str = "wangge 默认样式";

/// The geometry column every styled table has.
pub const GEOMETRY_COLUMN: &str = "geom";

/// How a layer is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Symbol {
    /// A polygon: `fill` (`None`: hollow), outline colour, outline width in mm, dashed or not.
    Fill { fill: Option<&'static str>, outline: &'static str, width: f64, dashed: bool },
    /// A line.
    Line { color: &'static str, width: f64 },
    /// A circle marker of `size` mm.
    Marker { color: &'static str, size: f64 },
}

/// Labels by `name` (the one column every layer has), shown when zoomed in beyond
/// 1:`max_scale` (0: always), `size` points.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Label {
    size: f64,
    color: &'static str,
    max_scale: u32,
}

/// One table's title, description and default style.
#[derive(Debug, Clone, PartialEq)]
pub struct TableStyle {
    /// The table.
    pub table: &'static str,
    /// Its human title (unique among the tables).
    pub title: &'static str,
    /// One sentence on what it holds.
    pub description: &'static str,
    symbol: Symbol,
    /// How point features are drawn in a layer of areas that may hold points too (buildings).
    points: Option<Symbol>,
    label: Option<Label>,
}

/// Every table wangge styles, hierarchy first.
pub fn tables() -> Vec<TableStyle> {
    let label = |size, color, max_scale| Some(Label { size, color, max_scale });
    let fill = |fill, outline, width, dashed| Symbol::Fill { fill, outline, width, dashed };
    vec![
        TableStyle {
            table: "district",
            title: "区（县级行政区）",
            description: "区级行政区划边界，网格体系的最上层。",
            symbol: fill(None, "120,40,40,255", 1.2, false),
            points: None,
            label: label(12.0, "120,40,40,255", 0),
        },
        TableStyle {
            table: "street",
            title: "街道（乡镇级）",
            description: "街道办事处辖区边界，上级为区。",
            symbol: fill(None, "140,60,150,255", 0.9, false),
            points: None,
            label: label(11.0, "110,40,120,255", 200_000),
        },
        TableStyle {
            table: "community",
            title: "社区（居委会）",
            description: "社区居委会辖区边界，上级为街道。",
            symbol: fill(None, "40,90,170,255", 0.6, false),
            points: None,
            label: label(10.0, "30,70,140,255", 60_000),
        },
        TableStyle {
            table: "grid",
            title: "网格",
            description: "基层治理网格：社区之下的管理单元，一格一员；属性含网格类型与网格员。",
            symbol: fill(None, "30,140,80,255", 0.3, false),
            points: None,
            label: label(8.0, "20,100,60,255", 20_000),
        },
        TableStyle {
            table: "building",
            title: "楼栋",
            description: "楼栋（或楼栋点位），上级为网格；属性含户数与人口。",
            symbol: fill(Some("240,200,150,200"), "170,120,70,255", 0.15, false),
            points: Some(Symbol::Marker { color: "210,150,90,255", size: 1.8 }),
            label: label(7.0, "90,60,30,255", 5_000),
        },
        TableStyle {
            table: "service_centre",
            title: "服务中心",
            description: "党群服务中心等服务设施点位，上级为社区或街道。",
            symbol: Symbol::Marker { color: "220,50,50,255", size: 3.0 },
            points: None,
            label: label(8.0, "160,30,30,255", 30_000),
        },
        TableStyle {
            table: "address",
            title: "标准地址",
            description: "标准地址点（GB/T 37149-2018），关联楼栋与网格。",
            symbol: Symbol::Marker { color: "90,90,90,255", size: 1.4 },
            points: None,
            label: None,
        },
        TableStyle {
            table: "road",
            title: "步行路网",
            description: "用于步行可达性（覆盖分析）的道路线。",
            symbol: Symbol::Line { color: "150,150,150,255", width: 0.35 },
            points: None,
            label: None,
        },
        TableStyle {
            table: "network_feature",
            title: "其他部门网络",
            description: "其他部门的网络（警格、城管网格等），按 network 字段区分，与网格并列比对。",
            symbol: fill(None, "200,120,0,255", 0.5, true),
            points: None,
            label: label(8.0, "160,90,0,255", 20_000),
        },
    ]
}

impl TableStyle {
    /// QGIS's layer geometry type: 0 point, 1 line, 2 polygon.
    fn geometry_type(&self) -> u8 {
        match self.symbol {
            Symbol::Marker { .. } => 0,
            Symbol::Line { .. } => 1,
            Symbol::Fill { .. } => 2,
        }
    }

    /// The style as a QGIS QML document (symbology and labels).
    pub fn qml(&self) -> String {
        let renderer = match self.points {
            None => format!(
                "  <renderer-v2 type=\"singleSymbol\" forceraster=\"0\" symbollevels=\"0\" enableorderby=\"0\" referencescale=\"-1\">
    <symbols>
{}    </symbols>
    <rotation/>
    <sizescale/>
  </renderer-v2>
",
                symbol_xml("0", self.symbol)
            ),
            // Areas filled, points (a building layer may hold both) as markers: QGIS draws a
            // feature only with a symbol of its own geometry type, so one rule per type.
            Some(points) => format!(
                "  <renderer-v2 type=\"RuleRenderer\" forceraster=\"0\" symbollevels=\"0\" enableorderby=\"0\" referencescale=\"-1\">
    <rules key=\"{{wangge-root}}\">
      <rule key=\"{{wangge-areas}}\" symbol=\"0\" label=\"面 / areas\" filter=\"geometry_type($geometry) = 'Polygon'\"/>
      <rule key=\"{{wangge-points}}\" symbol=\"1\" label=\"点 / points\" filter=\"ELSE\"/>
    </rules>
    <symbols>
{}{}    </symbols>
  </renderer-v2>
",
                symbol_xml("0", self.symbol),
                symbol_xml("1", points)
            ),
        };
        // A layer of both points and areas takes the style whichever QGIS opens it as.
        let geometry = match self.points {
            None => format!("  <layerGeometryType>{}</layerGeometryType>\n", self.geometry_type()),
            Some(_) => String::new(),
        };
        let labeling = match self.label {
            None => String::new(),
            Some(l) => {
                // Placement: over the centroid for areas, around the point for markers, along lines.
                let placement = match self.symbol {
                    Symbol::Fill { .. } if self.points.is_some() => 0,
                    Symbol::Fill { .. } => 1,
                    Symbol::Marker { .. } => 0,
                    Symbol::Line { .. } => 2,
                };
                // QGIS keys the zoomed-out limit as `scaleMax` (a scale denominator).
                let visibility = if l.max_scale > 0 {
                    format!(" scaleVisibility=\"1\" scaleMin=\"0\" scaleMax=\"{}\"", l.max_scale)
                } else {
                    " scaleVisibility=\"0\"".to_string()
                };
                format!(
                    "  <labeling type=\"simple\">
    <settings calloutType=\"simple\">
      <text-style fieldName=\"name\" isExpression=\"0\" fontSize=\"{size}\" fontSizeUnit=\"Point\" textColor=\"{color}\" textOpacity=\"1\" fontWeight=\"50\" fontItalic=\"0\">
        <text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferSizeUnits=\"MM\" bufferColor=\"255,255,255,230\" bufferOpacity=\"1\" bufferJoinStyle=\"128\"/>
      </text-style>
      <text-format multilineAlign=\"1\" wrapChar=\"\" plussign=\"0\"/>
      <placement placement=\"{placement}\" dist=\"1\" distUnits=\"MM\" priority=\"5\" fitInPolygonOnly=\"0\"/>
      <rendering{visibility} obstacle=\"1\" displayAll=\"0\" upsidedownLabels=\"0\" limitNumLabels=\"0\" mergeLines=\"0\" drawLabels=\"1\"/>
    </settings>
  </labeling>
",
                    size = l.size,
                    color = l.color,
                )
            }
        };
        format!(
            "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version=\"3.22.16-Białowieża\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\"{labels}\">
{renderer}{labeling}  <blendMode>0</blendMode>
  <featureBlendMode>0</featureBlendMode>
  <layerOpacity>1</layerOpacity>
{geometry}</qgis>
",
            labels = u8::from(self.label.is_some()),
        )
    }

    /// The same style as an OGC Symbology Encoding (SLD 1.1) document, for clients other than
    /// QGIS (GeoServer, uDig) that read `styleSLD`.
    pub fn sld(&self) -> String {
        let hex = |rgba: &str| -> (String, f64) {
            let v: Vec<u32> = rgba.split(',').filter_map(|p| p.trim().parse().ok()).collect();
            let (r, g, b, a) = (v[0], v[1], v[2], v.get(3).copied().unwrap_or(255));
            (format!("#{r:02x}{g:02x}{b:02x}"), f64::from(a) / 255.0)
        };
        // QGIS's millimetres at 96 dpi: what an SLD reader draws in pixels.
        let px = |mm: f64| (mm * 96.0 / 25.4 * 100.0).round() / 100.0;
        let stroke = |color: &str, width: f64, dashed: bool| {
            let (c, _) = hex(color);
            let dash = if dashed { "<se:SvgParameter name=\"stroke-dasharray\">4 2</se:SvgParameter>" } else { "" };
            format!(
                "<se:Stroke><se:SvgParameter name=\"stroke\">{c}</se:SvgParameter><se:SvgParameter name=\"stroke-width\">{}</se:SvgParameter>{dash}</se:Stroke>",
                px(width)
            )
        };
        let fill = |color: &str| {
            let (c, a) = hex(color);
            format!(
                "<se:Fill><se:SvgParameter name=\"fill\">{c}</se:SvgParameter><se:SvgParameter name=\"fill-opacity\">{a:.2}</se:SvgParameter></se:Fill>"
            )
        };
        let symbolizer = match self.symbol {
            Symbol::Fill { fill: inside, outline, width, dashed } => format!(
                "<se:PolygonSymbolizer>{}{}</se:PolygonSymbolizer>",
                inside.map(fill).unwrap_or_default(),
                stroke(outline, width, dashed)
            ),
            Symbol::Line { color, width } => {
                format!("<se:LineSymbolizer>{}</se:LineSymbolizer>", stroke(color, width, false))
            }
            Symbol::Marker { color, size } => format!(
                "<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>circle</se:WellKnownName>{}{}</se:Mark><se:Size>{}</se:Size></se:Graphic></se:PointSymbolizer>",
                fill(color),
                stroke("255,255,255,255", 0.3, false),
                px(size)
            ),
        };
        let symbolizer = match self.points {
            Some(Symbol::Marker { color, size }) => format!(
                "{symbolizer}<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>circle</se:WellKnownName>{}{}</se:Mark><se:Size>{}</se:Size></se:Graphic></se:PointSymbolizer>",
                fill(color),
                stroke("255,255,255,255", 0.3, false),
                px(size)
            ),
            _ => symbolizer,
        };
        let text = self
            .label
            .map(|l| {
                format!(
                    "<se:TextSymbolizer><se:Label><ogc:PropertyName>name</ogc:PropertyName></se:Label><se:Font><se:SvgParameter name=\"font-size\">{}</se:SvgParameter></se:Font>{}</se:TextSymbolizer>",
                    px(l.size * 25.4 / 72.0),
                    fill(l.color)
                )
            })
            .unwrap_or_default();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<StyledLayerDescriptor xmlns=\"http://www.opengis.net/sld\" xmlns:se=\"http://www.opengis.net/se\" xmlns:ogc=\"http://www.opengis.net/ogc\" version=\"1.1.0\">
  <NamedLayer><se:Name>{table}</se:Name><UserStyle><se:Name>{name}</se:Name><se:FeatureTypeStyle><se:Rule><se:Name>{title}</se:Name>{symbolizer}{text}</se:Rule></se:FeatureTypeStyle></UserStyle></NamedLayer>
</StyledLayerDescriptor>
",
            table = self.table,
            name = STYLE_NAME,
            title = self.title,
        )
    }
}

/// One QGIS symbol named `name` (its index in the renderer).
fn symbol_xml(name: &str, symbol: Symbol) -> String {
    // Each value is written as it displays (numbers as Rust prints them), with no String apiece.
    let props = |pairs: &[(&str, &dyn std::fmt::Display)]| -> String {
        pairs.iter().map(|(k, v)| format!("        <prop k=\"{k}\" v=\"{v}\"/>\n")).collect()
    };
    let (kind, class, body) = match symbol {
        Symbol::Fill { fill, outline, width, dashed } => (
            "fill",
            "SimpleFill",
            props(&[
                ("color", &fill.unwrap_or("255,255,255,0")),
                ("style", &if fill.is_some() { "solid" } else { "no" }),
                ("outline_color", &outline),
                ("outline_style", &if dashed { "dash" } else { "solid" }),
                ("outline_width", &width),
                ("outline_width_unit", &"MM"),
                ("joinstyle", &"round"),
            ]),
        ),
        Symbol::Line { color, width } => (
            "line",
            "SimpleLine",
            props(&[
                ("line_color", &color),
                ("line_style", &"solid"),
                ("line_width", &width),
                ("line_width_unit", &"MM"),
                ("capstyle", &"round"),
                ("joinstyle", &"round"),
            ]),
        ),
        Symbol::Marker { color, size } => (
            "marker",
            "SimpleMarker",
            props(&[
                ("name", &"circle"),
                ("color", &color),
                ("outline_color", &"255,255,255,255"),
                ("outline_style", &"solid"),
                ("outline_width", &"0.3"),
                ("outline_width_unit", &"MM"),
                ("size", &size),
                ("size_unit", &"MM"),
            ]),
        ),
    };
    format!(
        "      <symbol type=\"{kind}\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">
       <layer class=\"{class}\" enabled=\"1\" locked=\"0\" pass=\"0\">
{body}       </layer>
      </symbol>
"
    )
}

/// The `layer_styles` table as QGIS creates it in a GeoPackage (through GDAL).
const GPKG_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
";

/// Gives `table` its title and description in `gpkg_contents`, unless a person already renamed it
/// (its identifier is no longer the table name). Called when a table is registered.
pub(crate) fn title(tx: &Transaction<'_>, table: &str) -> rusqlite::Result<()> {
    if let Some(t) = tables().into_iter().find(|t| t.table == table) {
        tx.execute(
            "UPDATE gpkg_contents SET identifier = ?2, description = ?3 WHERE table_name = ?1 AND identifier = table_name
               AND NOT EXISTS (SELECT 1 FROM gpkg_contents WHERE identifier = ?2)",
            params![t.table, t.title, t.description],
        )?;
    }
    Ok(())
}

/// Creates `layer_styles` (registered as an attributes table, as QGIS and GDAL do), adds the
/// default style of every table that has none under [`STYLE_NAME`], and titles the registered
/// tables (idempotent; run by every open).
pub(crate) fn init(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(GPKG_SCHEMA)?;
    tx.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
         VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS 图层样式（默认样式由 wangge 提供）')",
        [],
    )?;
    for t in tables() {
        tx.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName,
               styleQML, styleSLD, useAsDefault, description, owner, ui)
             SELECT '', '', ?1, ?2, ?3, ?4, ?5, 1, ?6, 'wangge', NULL
             WHERE NOT EXISTS (SELECT 1 FROM layer_styles WHERE f_table_name = ?1 AND styleName = ?3)",
            params![t.table, GEOMETRY_COLUMN, STYLE_NAME, t.qml(), t.sld(), t.title],
        )?;
        title(tx, t.table)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_unique_title_and_a_style_of_its_geometry() {
        let all = tables();
        let mut titles: Vec<_> = all.iter().map(|t| t.title).collect();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), all.len());
        let grid = all.iter().find(|t| t.table == "grid").unwrap().qml();
        assert!(
            grid.contains("SimpleFill") && grid.contains("fieldName=\"name\"") && grid.contains("scaleMax=\"20000\"")
        );
        let building = all.iter().find(|t| t.table == "building").unwrap().qml();
        assert!(building.contains("<prop k=\"style\" v=\"solid\"/>"), "buildings are filled");
        assert!(
            building.contains("RuleRenderer")
                && building.contains("SimpleMarker")
                && !building.contains("layerGeometryType"),
            "building points are drawn as markers, whichever geometry type QGIS opens the layer as"
        );
        let community = all.iter().find(|t| t.table == "community").unwrap();
        let grid_width =
            |q: &str| q.split("outline_width\" v=\"").nth(1).and_then(|s| s.split('"').next()).map(str::to_string);
        assert!(
            grid_width(&community.qml()).unwrap().parse::<f64>().unwrap()
                > grid_width(&grid).unwrap().parse::<f64>().unwrap(),
            "communities are drawn thicker than grids"
        );
    }
}
