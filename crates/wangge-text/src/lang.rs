//! Language of user-facing messages.
//!
//! wangge's users are Chinese, so every message has a 简体中文 form (the default) and an English one.
//! Messages are rendered at the faces (CLI, HTTP) from this crate's catalogs; the core only carries
//! structured findings (keys and values), so it has no `Lang`.

use std::fmt;
use std::str::FromStr;

/// A language for messages shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    /// 简体中文 — the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Picks one of two renderings of the same message.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Reads a language from an HTTP `Accept-Language` value or a locale such as `en_US.UTF-8`.
    /// Anything that does not start with `en` is Chinese, because that is who the service is for.
    pub fn from_locale(value: &str) -> Lang {
        let first = value.split([',', ';']).next().unwrap_or("").trim();
        if first.to_ascii_lowercase().starts_with("en") { Lang::En } else { Lang::Zh }
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "cn" | "中文" => Ok(Lang::Zh),
            "en" | "en-us" | "en_us" | "en-gb" | "english" => Ok(Lang::En),
            other => Err(format!("unknown language '{other}' (use zh or en)")),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        })
    }
}

/// One message in both languages, formatted in the one `lang` asks for:
/// `zh_en!(lang, ("已导出 {n} 个要素"), ("exported {n} features"))`. The faces' messages that
/// are not core values are written this way, so each stays one line per language.
#[macro_export]
macro_rules! zh_en {
    ($lang:expr, ($($zh:tt)+), ($($en:tt)+) $(,)?) => {
        match $lang {
            $crate::Lang::Zh => format!($($zh)+),
            $crate::Lang::En => format!($($en)+),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zh_en_formats_only_the_asked_language_with_captured_names() {
        let n = 3;
        assert_eq!(zh_en!(Lang::Zh, ("共 {n} 个"), ("{n} in all")), "共 3 个");
        assert_eq!(zh_en!(Lang::En, ("共 {} 个", n + 1), ("{} in all", n + 1)), "4 in all");
    }

    #[test]
    fn accept_language_prefers_the_first_tag() {
        assert_eq!(Lang::from_locale("en-US,en;q=0.9,zh;q=0.8"), Lang::En);
        assert_eq!(Lang::from_locale("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_locale(""), Lang::Zh);
        assert_eq!(Lang::from_locale("C.UTF-8"), Lang::Zh);
    }

    #[test]
    fn parses_names() {
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert_eq!("zh-CN".parse::<Lang>(), Ok(Lang::Zh));
        assert!("fr".parse::<Lang>().is_err());
    }
}
