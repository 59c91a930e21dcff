//! Known bots and link-preview agents (DESIGN §4 rule 6): redirected like anyone, so previews
//! render, but recorded with verdict `bot` and never counted as clicks.
//!
//! Matching is on lower-cased substrings of the User-Agent. The patterns name crawlers,
//! the agents that fetch a link to draw its preview in chat and social apps, and HTTP
//! libraries and command-line tools. In-app browsers of social apps (Instagram, Facebook,
//! TikTok, Snapchat) are people, not bots, and are not matched. A missing or empty
//! User-Agent is a bot: every browser sends one.

/// Only the start of a User-Agent is examined.
const EXAMINED: usize = 512;

const PATTERNS: &[&str] = &[
    // The generic crawler markers: "Googlebot/2.1", "bingbot/2.0", "AhrefsBot/7.0",
    // "Slackbot-LinkExpanding", "PetalBot;", "TelegramBot (like TwitterBot)".
    "bot/",
    "bot;",
    "bot-",
    "bot ",
    "bot)",
    "crawler",
    "spider",
    // Link previews and crawlers without a "bot" marker.
    "facebookexternalhit",
    "facebookcatalog",
    "meta-externalagent",
    "whatsapp/",
    "slack-imgproxy",
    "skypeuripreview",
    "google-inspectiontool",
    "googleother",
    "google web preview",
    "bingpreview",
    "embedly",
    "iframely",
    "vkshare",
    "pinterest/",
    "yahoo! slurp",
    "mediapartners-google",
    "adsbot-google",
    "lighthouse",
    "headlesschrome",
    "phantomjs",
    // Tools and libraries.
    "curl/",
    "wget/",
    "httpie/",
    "python-requests",
    "python-urllib",
    "python-httpx",
    "aiohttp/",
    "scrapy",
    "go-http-client",
    "java/",
    "okhttp",
    "apache-httpclient",
    "libwww-perl",
    "guzzlehttp",
    "node-fetch",
    "axios/",
    "undici",
    "postmanruntime",
    "insomnia/",
    "oha/",
];

/// Whether the User-Agent names a bot, a preview agent or a tool.
pub fn is_bot(user_agent: Option<&str>) -> bool {
    let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
        return true;
    };
    let ua = &ua.as_bytes()[..ua.floor_char_boundary(EXAMINED)];
    ends_with_ignore_case(ua, b"bot") || contains_a_pattern(ua)
}

fn ends_with_ignore_case(text: &[u8], suffix: &[u8]) -> bool {
    text.len() >= suffix.len() && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// Patterns by their first two bytes, both lower case: bit `i` of `FIRST[b]` is set when
/// pattern `i` starts with `b`, of `SECOND[b]` when its second byte is `b`. Upper-case
/// letters map like lower-case ones, so the User-Agent is never copied or lower-cased.
static FIRST: [u64; 256] = byte_masks(0);
static SECOND: [u64; 256] = byte_masks(1);
const _: () = assert!(PATTERNS.len() <= 64, "one bit per pattern in a u64");

const fn byte_masks(at: usize) -> [u64; 256] {
    let mut masks = [0u64; 256];
    let mut i = 0;
    while i < PATTERNS.len() {
        let b = PATTERNS[i].as_bytes()[at];
        masks[b as usize] |= 1 << i;
        masks[b.to_ascii_uppercase() as usize] |= 1 << i;
        i += 1;
    }
    masks
}

/// One pass over the User-Agent: at each byte, only the patterns whose first two bytes
/// match there are compared (for a browser's User-Agent, almost never one). The same result
/// as looking for every pattern in the lower-cased text, at a small fraction of the cost.
fn contains_a_pattern(ua: &[u8]) -> bool {
    for at in 0..ua.len().saturating_sub(1) {
        let mut candidates = FIRST[usize::from(ua[at])] & SECOND[usize::from(ua[at + 1])];
        while candidates != 0 {
            let i = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            let pattern = PATTERNS[i].as_bytes();
            if ua[at..]
                .get(..pattern.len())
                .is_some_and(|window| window.eq_ignore_ascii_case(pattern))
            {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_and_previews() {
        for ua in [
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Twitterbot/1.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Slackbot 1.0 (+https://api.slack.com/robots)",
            "WhatsApp/2.23.20.0 A",
            "TelegramBot (like TwitterBot)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
            "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
            "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
            "curl/8.5.0",
            "Wget/1.21.4",
            "python-requests/2.31.0",
            "Go-http-client/1.1",
            "okhttp/4.12.0",
            "Java/17.0.2",
            "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
            "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "SkypeUriPreview Preview/0.5",
            "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
            "redditbot/1.0",
            "Pinterest/0.2 (+https://www.pinterest.com/bot.html)",
            "SomeNewThingbot",
            "",
            "   ",
        ] {
            assert!(is_bot(Some(ua)), "{ua}");
        }
        assert!(is_bot(None));
    }

    #[test]
    fn people() {
        for ua in [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 329.0.0.29.120 (iPhone14,5; iOS 17_4; en_US; en; scale=3.00; 1170x2532; 590329488)",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/458.0.0.39.108;FBBV/577264498]",
            "Mozilla/5.0 (Linux; Android 13; SM-S918B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36 trill_340201 BytedanceWebview/d8a21c6",
            "Mozilla/5.0 (Linux; Android 9; CUBOT_X20_PRO) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; Android 12; KING KONG 9 Build/SP1A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0 Mobile Safari/537.36 Snapchat/12.80.0.40 (like Safari/604.1)",
        ] {
            assert!(!is_bot(Some(ua)), "{ua}");
        }
    }

    /// What `is_bot` means, written plainly: the fast scan must agree with it.
    fn is_bot_plainly(user_agent: Option<&str>) -> bool {
        let Some(ua) = user_agent.map(str::trim).filter(|ua| !ua.is_empty()) else {
            return true;
        };
        let lower = ua[..ua.floor_char_boundary(EXAMINED)].to_ascii_lowercase();
        lower.ends_with("bot") || PATTERNS.iter().any(|p| lower.contains(p))
    }

    #[test]
    fn patterns_are_lower_case_and_at_least_two_bytes() {
        for p in PATTERNS {
            assert!(p.len() >= 2, "{p}");
            assert_eq!(*p, p.to_ascii_lowercase(), "{p}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_scan_agrees_with_the_plain_search(
            head in "[ -~]{0,40}",
            pattern in proptest::sample::select(PATTERNS),
            upper in proptest::bool::ANY,
            tail in "[ -~é]{0,40}",
            with_pattern in proptest::bool::ANY,
        ) {
            let middle = if upper { pattern.to_ascii_uppercase() } else { pattern.to_owned() };
            let ua = if with_pattern { format!("{head}{middle}{tail}") } else { format!("{head}{tail}") };
            proptest::prop_assert_eq!(is_bot(Some(&ua)), is_bot_plainly(Some(&ua)), "{}", ua);
        }
    }

    #[test]
    fn long_and_odd_agents_do_not_panic() {
        let long = format!("Mozilla/5.0 {}", "é".repeat(1000));
        assert!(!is_bot(Some(&long)));
        let hidden_late = format!("Mozilla/5.0 {} curl/8", "x".repeat(600));
        assert!(!is_bot(Some(&hidden_late)), "only the start is examined");
    }
}
