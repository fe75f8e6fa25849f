//! Province and city names by division code prefix (GB/T 2260), so that a gazetteer whose lowest
//! stored level is the district still knows `广东省深圳市` above `福田区` and can read or infer them.

/// Province-level divisions: the first two digits of a division code and the full name.
pub const PROVINCES: [(&str, &str); 34] = [
    ("11", "北京市"),
    ("12", "天津市"),
    ("13", "河北省"),
    ("14", "山西省"),
    ("15", "内蒙古自治区"),
    ("21", "辽宁省"),
    ("22", "吉林省"),
    ("23", "黑龙江省"),
    ("31", "上海市"),
    ("32", "江苏省"),
    ("33", "浙江省"),
    ("34", "安徽省"),
    ("35", "福建省"),
    ("36", "江西省"),
    ("37", "山东省"),
    ("41", "河南省"),
    ("42", "湖北省"),
    ("43", "湖南省"),
    ("44", "广东省"),
    ("45", "广西壮族自治区"),
    ("46", "海南省"),
    ("50", "重庆市"),
    ("51", "四川省"),
    ("52", "贵州省"),
    ("53", "云南省"),
    ("54", "西藏自治区"),
    ("61", "陕西省"),
    ("62", "甘肃省"),
    ("63", "青海省"),
    ("64", "宁夏回族自治区"),
    ("65", "新疆维吾尔自治区"),
    ("71", "台湾省"),
    ("81", "香港特别行政区"),
    ("82", "澳门特别行政区"),
];

/// Prefecture-level cities wangge's seed cities and demo use: the first four digits and the name.
/// Municipalities (北京, 上海 …) are their own city.
pub const CITIES: [(&str, &str); 12] = [
    ("4403", "深圳市"),
    ("4401", "广州市"),
    ("1401", "太原市"),
    ("1501", "呼和浩特市"),
    ("3708", "济宁市"),
    ("6301", "西宁市"),
    ("1411", "吕梁市"),
    ("3301", "杭州市"),
    ("3201", "南京市"),
    ("5101", "成都市"),
    ("4201", "武汉市"),
    ("6101", "西安市"),
];

/// The province of a division code, if known.
pub fn province_of(code: &str) -> Option<&'static str> {
    let p = code.get(..2)?;
    PROVINCES.iter().find(|(c, _)| *c == p).map(|(_, n)| *n)
}

/// The city of a division code, if known (for a municipality, the municipality).
pub fn city_of(code: &str) -> Option<&'static str> {
    let c4 = code.get(..4)?;
    if let Some((_, n)) = CITIES.iter().find(|(c, _)| *c == c4) {
        return Some(n);
    }
    match code.get(..2)? {
        "11" | "12" | "31" | "50" => province_of(code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn futian_is_in_shenzhen_guangdong() {
        assert_eq!(province_of("440304"), Some("广东省"));
        assert_eq!(city_of("440304"), Some("深圳市"));
        assert_eq!(city_of("110105"), Some("北京市"));
        assert_eq!(city_of("x"), None);
    }
}
