//! The assistant's words, in English and Arabic: one catalogue of templates keyed by what
//! they say (`tip.high_bot_share`, `finding.best_hours.do` for a finding's recommendation),
//! filled with the figures of [`rules`](super::rules) by name (`{share}`). Every code the
//! rules can produce has a template in both languages with the same placeholders (tested).

use rust_decimal::Decimal;

use super::rules::{Figure, Figures};
use crate::kernel::money::Money;

/// A language the assistant writes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    /// English (the default).
    En,
    /// Arabic.
    Ar,
}

impl Lang {
    /// Every language.
    pub(super) const ALL: [Lang; 2] = [Lang::En, Lang::Ar];

    /// The wire name (`en`, `ar`).
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }

    /// A `lang` query value: exactly `en` or `ar`.
    pub(super) fn parse(s: &str) -> Option<Lang> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The language an `Accept-Language` header prefers among ours (the highest weight; the
    /// first of equal weights), by primary subtag (`ar-EG` is Arabic); none if it names
    /// neither.
    pub(super) fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f64, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let primary = tag
                .split('-')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let Some(lang) = Self::parse(&primary) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f64>().ok())
                .filter(|q| (0.0..=1.0).contains(q));
            match q {
                Some(q) if q > 0.0 && best.is_none_or(|(b, _)| q > b) => best = Some((q, lang)),
                _ => {}
            }
        }
        best.map(|(_, l)| l)
    }
}

/// One template in both languages.
struct Entry {
    key: &'static str,
    en: &'static str,
    ar: &'static str,
}

const fn e(key: &'static str, en: &'static str, ar: &'static str) -> Entry {
    Entry { key, en, ar }
}

/// Every template.
const CATALOGUE: &[Entry] = &[
    // The overview.
    e(
        "overview.summary",
        "Last 7 days (UTC): {clicks} clicks and {conversions} approved conversions, a CR of {cr}.",
        "آخر 7 أيام (بتوقيت UTC): {clicks} نقرة و{conversions} تحويلًا معتمدًا، بمعدل تحويل {cr}.",
    ),
    e(
        "overview.trend",
        "Clicks changed by {change} against the 7 days before.",
        "تغيّرت النقرات بنسبة {change} مقارنةً بالأيام السبعة التي سبقتها.",
    ),
    e(
        "overview.best_offer",
        "Your best offer of the last 30 days is {offer}: {payout} from {conversions} conversions.",
        "أفضل عروضك في آخر 30 يومًا هو {offer}: {payout} من {conversions} تحويلًا.",
    ),
    e(
        "overview.level",
        "You are {level}, {points} points from {next}.",
        "مستواك {level}، وتفصلك {points} نقطة عن {next}.",
    ),
    e(
        "overview.level_top",
        "You are {level}, the top level.",
        "مستواك {level}، وهو أعلى مستوى.",
    ),
    // Suggestions: reasons and notes.
    e(
        "reason.category_converts",
        "{share} of your conversions are in {category} (your CR there: {cr}).",
        "{share} من تحويلاتك في فئة {category} (معدل تحويلك فيها: {cr}).",
    ),
    e(
        "reason.countries_convert",
        "Open to {countries}, where {share} of your conversions come from.",
        "متاح في {countries}، ومنها تأتي {share} من تحويلاتك.",
    ),
    e(
        "reason.platform_epc",
        "Earns {epc} per click across the platform ({clicks} clicks in 30 days).",
        "يحقق {epc} لكل نقرة على مستوى المنصة ({clicks} نقرة في 30 يومًا).",
    ),
    e(
        "reason.platform_cr",
        "Converts {cr} of its clicks across the platform ({conversions} of {clicks} in 30 days).",
        "يحوّل {cr} من نقراته على مستوى المنصة ({conversions} من {clicks} في 30 يومًا).",
    ),
    e(
        "reason.payout_model",
        "{share} of your conversions are on {model} offers.",
        "{share} من تحويلاتك على عروض {model}.",
    ),
    e(
        "reason.not_enough_data",
        "New on the platform: {clicks} clicks in 30 days, fewer than the {minimum} needed to judge its EPC and CR.",
        "جديد على المنصة: {clicks} نقرة في 30 يومًا، أقل من {minimum} اللازمة للحكم على ربحه لكل نقرة ومعدل تحويله.",
    ),
    e(
        "note.nothing_to_join",
        "You have joined every approved offer (paused offers you have not joined: {paused}).",
        "لقد انضممت إلى كل العروض المعتمدة (العروض الموقوفة مؤقتًا التي لم تنضم إليها: {paused}).",
    ),
    e(
        "note.all_left_out",
        "No offer to suggest: {capped} have reached their cap and {geo_blocked} refuse visitors from your main countries ({countries}).",
        "لا توجد عروض لاقتراحها: {capped} بلغت حدّها الأقصى و{geo_blocked} لا تقبل زوارًا من دولك الرئيسية ({countries}).",
    ),
    // Findings and their recommendations.
    e(
        "finding.best_offer_epc",
        "{offer} earns you the most per click: {epc} over {clicks} clicks (CR {cr}).",
        "العرض {offer} يحقق لك أعلى ربح لكل نقرة: {epc} عبر {clicks} نقرة (معدل التحويل {cr}).",
    ),
    e(
        "finding.best_offer_epc.do",
        "Send more of your traffic to {offer}.",
        "وجّه جزءًا أكبر من زياراتك إلى {offer}.",
    ),
    e(
        "finding.worst_offer_epc",
        "{offer} earns you the least per click: {epc} over {clicks} clicks (CR {cr}).",
        "العرض {offer} يحقق لك أقل ربح لكل نقرة: {epc} عبر {clicks} نقرة (معدل التحويل {cr}).",
    ),
    e(
        "finding.worst_offer_epc.do",
        "Check the audience and landing page of {offer}, or move its traffic to a better offer.",
        "راجع جمهور {offer} وصفحة الهبوط، أو انقل زياراته إلى عرض أفضل.",
    ),
    e(
        "finding.cr_below_platform",
        "Your CR of {cr} is far under the platform median of {platform_median_cr} on the same offers.",
        "معدل تحويلك {cr} أقل بكثير من الوسيط على المنصة {platform_median_cr} للعروض نفسها.",
    ),
    e(
        "finding.cr_below_platform.do",
        "Target visitors closer to what the offers sell, and test other placements.",
        "استهدف زوارًا أقرب إلى ما تبيعه العروض، وجرّب أماكن نشر أخرى.",
    ),
    e(
        "finding.cr_near_platform",
        "Your CR of {cr} is close to the platform median of {platform_median_cr}.",
        "معدل تحويلك {cr} قريب من الوسيط على المنصة {platform_median_cr}.",
    ),
    e(
        "finding.cr_near_platform.do",
        "Use your sub-IDs to find the sources that convert best and grow them.",
        "استخدم المعرّفات الفرعية لتحديد المصادر الأفضل تحويلًا ثم وسّعها.",
    ),
    e(
        "finding.cr_above_platform",
        "Your CR of {cr} is well above the platform median of {platform_median_cr}.",
        "معدل تحويلك {cr} أعلى بكثير من الوسيط على المنصة {platform_median_cr}.",
    ),
    e(
        "finding.cr_above_platform.do",
        "Your traffic converts well: bring more of it.",
        "زياراتك تتحول بشكل ممتاز: زِد منها.",
    ),
    e(
        "finding.offer_below_platform",
        "{offer} converts {cr} of its clicks, far under the platform median of {platform_median_cr}.",
        "العرض {offer} يحوّل {cr} من نقراته، وهذا أقل بكثير من الوسيط على المنصة {platform_median_cr}.",
    ),
    e(
        "finding.offer_below_platform.do",
        "Review the landing page, the payout and the countries of {offer}.",
        "راجع صفحة الهبوط والعمولة والدول المتاحة للعرض {offer}.",
    ),
    e(
        "finding.offer_near_platform",
        "{offer} converts {cr} of its clicks, close to the platform median of {platform_median_cr}.",
        "العرض {offer} يحوّل {cr} من نقراته، وهذا قريب من الوسيط على المنصة {platform_median_cr}.",
    ),
    e(
        "finding.offer_near_platform.do",
        "A higher payout or a better landing page could lift {offer} above the median.",
        "عمولة أعلى أو صفحة هبوط أفضل قد ترفع {offer} فوق الوسيط.",
    ),
    e(
        "finding.offer_above_platform",
        "{offer} converts {cr} of its clicks, well above the platform median of {platform_median_cr}.",
        "العرض {offer} يحوّل {cr} من نقراته، وهذا أعلى بكثير من الوسيط على المنصة {platform_median_cr}.",
    ),
    e(
        "finding.offer_above_platform.do",
        "Raise the caps or the budget of {offer} so promoters can send more.",
        "ارفع الحدود القصوى أو ميزانية {offer} ليتمكن المسوّقون من إرسال المزيد.",
    ),
    e(
        "finding.best_promoter",
        "Promoter #{promoter_id} earns the most per click on your offers: {epc} over {clicks} clicks.",
        "المسوّق رقم {promoter_id} يحقق أعلى ربح لكل نقرة على عروضك: {epc} عبر {clicks} نقرة.",
    ),
    e(
        "finding.best_promoter.do",
        "Keep promoter #{promoter_id} close: a private payout or a higher cap.",
        "حافظ على المسوّق رقم {promoter_id}: عمولة خاصة أو حد أقصى أعلى.",
    ),
    e(
        "finding.worst_promoter",
        "Promoter #{promoter_id} earns the least per click on your offers: {epc} over {clicks} clicks.",
        "المسوّق رقم {promoter_id} يحقق أقل ربح لكل نقرة على عروضك: {epc} عبر {clicks} نقرة.",
    ),
    e(
        "finding.worst_promoter.do",
        "Look at the traffic of promoter #{promoter_id} in the click log and fraud review.",
        "افحص زيارات المسوّق رقم {promoter_id} في سجل النقرات ومراجعة الاحتيال.",
    ),
    e(
        "finding.top_countries",
        "Your best countries are {countries}; {top_country} brings {conversions} conversions from {clicks} clicks (CR {cr}).",
        "أفضل دولك هي {countries}؛ وتأتي من {top_country} {conversions} تحويلًا من {clicks} نقرة (معدل التحويل {cr}).",
    ),
    e(
        "finding.top_countries.do",
        "Focus your audience on {top_country}.",
        "ركّز جمهورك على {top_country}.",
    ),
    e(
        "finding.top_sub1",
        "Your best sub-IDs are {sub_ids}; {top_sub1} brings {conversions} conversions from {clicks} clicks (CR {cr}).",
        "أفضل معرّفاتك الفرعية هي {sub_ids}؛ ويأتي من {top_sub1} {conversions} تحويلًا من {clicks} نقرة (معدل التحويل {cr}).",
    ),
    e(
        "finding.top_sub1.do",
        "Put more into the source behind {top_sub1}; {empty_share} of your clicks still carry no sub-ID.",
        "استثمر أكثر في المصدر وراء {top_sub1}؛ وما زالت {empty_share} من نقراتك بلا معرّف فرعي.",
    ),
    e(
        "finding.no_sub1",
        "None of your {clicks} clicks carries a sub-ID ({empty_share} without).",
        "لا تحمل أي من نقراتك البالغة {clicks} معرّفًا فرعيًا ({empty_share} بدونه).",
    ),
    e(
        "finding.no_sub1.do",
        "Add sub1 to your links (one value per source) to see which sources convert.",
        "أضف sub1 إلى روابطك (قيمة لكل مصدر) لتعرف أي المصادر تتحول.",
    ),
    e(
        "finding.best_hours",
        "Most conversions come at {hours} UTC; {top_hour} alone brings {conversions} ({share} in these hours).",
        "تأتي معظم التحويلات في الساعات {hours} بتوقيت UTC؛ والساعة {top_hour} وحدها تأتي بـ{conversions} ({share} في هذه الساعات).",
    ),
    e(
        "finding.best_hours.do",
        "Publish and boost your posts shortly before {top_hour} UTC.",
        "انشر منشوراتك وروّج لها قبيل الساعة {top_hour} بتوقيت UTC.",
    ),
    e(
        "finding.filtered_high",
        "{share} of your clicks were filtered: {bots} bots and {fraud} blocked for fraud, of {clicks} clicks.",
        "تمت تصفية {share} من نقراتك: {bots} من الروبوتات و{fraud} محجوبة بسبب الاحتيال، من أصل {clicks} نقرة.",
    ),
    e(
        "finding.filtered_high.do",
        "Drop the sources that send bots or flagged traffic; filtered clicks never pay.",
        "تخلّص من المصادر التي ترسل روبوتات أو زيارات مشبوهة؛ فالنقرات المصفّاة لا تُحتسب أبدًا.",
    ),
    e(
        "finding.filtered_low",
        "Only {share} of your clicks were filtered ({bots} bots, {fraud} blocked for fraud, of {clicks}).",
        "تمت تصفية {share} فقط من نقراتك ({bots} من الروبوتات و{fraud} محجوبة بسبب الاحتيال، من أصل {clicks}).",
    ),
    e(
        "finding.filtered_low.do",
        "Your traffic is clean: keep your sources as they are.",
        "زياراتك نظيفة: حافظ على مصادرك كما هي.",
    ),
    e(
        "finding.pending_review",
        "{pending} conversions are waiting for review ({share} of the last 30 days).",
        "هناك {pending} تحويلًا بانتظار المراجعة ({share} من آخر 30 يومًا).",
    ),
    e(
        "finding.pending_review.do",
        "Conversions under review pay once approved; review them, or ask the advertiser about them.",
        "التحويلات قيد المراجعة تُحتسب بعد اعتمادها؛ راجعها أو اسأل المعلن عنها.",
    ),
    e(
        "finding.rejected_reasons",
        "{refused} conversions were not approved ({share}); most were {top_status} ({top_count}).",
        "لم يُعتمد {refused} تحويلًا ({share})؛ وكان أغلبها {top_status} ({top_count}).",
    ),
    e(
        "finding.rejected_reasons.do",
        "Check your postbacks (transaction ids, timing, caps) for the most common status.",
        "راجع إشعارات التحويل لديك (معرّفات المعاملات والتوقيت والحدود القصوى) للحالة الأكثر تكرارًا.",
    ),
    e(
        "finding.no_data",
        "No traffic in the last {days} days.",
        "لا توجد زيارات في آخر {days} يومًا.",
    ),
    e(
        "finding.no_data.do",
        "Share your links (or approve offers) to get numbers to read.",
        "شارك روابطك (أو اعتمد عروضًا) لتحصل على أرقام يمكن قراءتها.",
    ),
    // Tips.
    e(
        "tip.no_clicks_7d",
        "No clicks in the last {days} days: share your links again, or try a new channel.",
        "لا نقرات في آخر {days} أيام: شارك روابطك من جديد أو جرّب قناة جديدة.",
    ),
    e(
        "tip.high_bot_share",
        "{figure} of your clicks are bots (over {threshold}): drop the sources that send them.",
        "{figure} من نقراتك روبوتات (أكثر من {threshold}): تخلّص من المصادر التي ترسلها.",
    ),
    e(
        "tip.high_fraud_share",
        "{figure} of your clicks were blocked for fraud (over {threshold}): check where they come from.",
        "{figure} من نقراتك حُجبت بسبب الاحتيال (أكثر من {threshold}): تحقّق من مصدرها.",
    ),
    e(
        "tip.links_without_sub_ids",
        "{figure} of your clicks carry no sub-ID (over {threshold}): add sub1 to your links to see which sources work.",
        "{figure} من نقراتك بلا معرّف فرعي (أكثر من {threshold}): أضف sub1 إلى روابطك لتعرف المصادر الناجحة.",
    ),
    e(
        "tip.close_to_next_level",
        "Only {points} points to {level}: a few more conversions will get you there.",
        "تفصلك {points} نقطة فقط عن {level}: بضعة تحويلات أخرى وتصل.",
    ),
    e(
        "tip.cr_far_below_median",
        "Your CR of {cr} is under half the platform median of {median}: target visitors closer to the offers.",
        "معدل تحويلك {cr} أقل من نصف الوسيط على المنصة {median}: استهدف زوارًا أقرب إلى العروض.",
    ),
    e(
        "tip.many_pending_review",
        "{figure} of your conversions are waiting for review (over {threshold}).",
        "{figure} من تحويلاتك بانتظار المراجعة (أكثر من {threshold}).",
    ),
    e(
        "tip.many_refused",
        "{figure} of your conversions were not approved (over {threshold}): check your postbacks.",
        "{figure} من تحويلاتك لم تُعتمد (أكثر من {threshold}): راجع إشعارات التحويل لديك.",
    ),
    e(
        "tip.no_joined_offers",
        "You have not joined an offer yet: pick one from the suggestions to get your first link.",
        "لم تنضم إلى أي عرض بعد: اختر عرضًا من الاقتراحات لتحصل على رابطك الأول.",
    ),
    e(
        "tip.no_approved_offers",
        "None of your offers is approved yet: submit one for review so promoters can join it.",
        "لا يوجد لديك عرض معتمد بعد: أرسل عرضًا للمراجعة ليتمكن المسوّقون من الانضمام إليه.",
    ),
    e(
        "tip.falling_trend",
        "Your clicks fell by {figure} over the last 7 days ({now} against {before}): look at what changed.",
        "انخفضت نقراتك بنسبة {figure} في آخر 7 أيام ({now} مقابل {before}): ابحث عمّا تغيّر.",
    ),
    e(
        "tip.rising_conversions",
        "Your conversions rose by {figure} over the last 7 days ({now} against {before}): keep going.",
        "ارتفعت تحويلاتك بنسبة {figure} في آخر 7 أيام ({now} مقابل {before}): واصل على هذا النحو.",
    ),
];

fn entry(key: &str) -> Option<&'static Entry> {
    CATALOGUE.iter().find(|e| e.key == key)
}

/// The template of `key` in `lang`.
fn template(lang: Lang, key: &str) -> Option<&'static str> {
    entry(key).map(|e| match lang {
        Lang::En => e.en,
        Lang::Ar => e.ar,
    })
}

/// A percentage of a fraction, to at most 2 decimals (`0.2` → `20%`, `0.12345` → `12.35%`).
fn percent(x: f64) -> String {
    let p = (x * 10_000.0).round() / 100.0;
    format!("{}%", trim(p))
}

/// A number without trailing zeros.
fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn written(lang: Lang, f: &Figure) -> String {
    match f {
        Figure::Count(n) => n.to_string(),
        Figure::Share(x) => percent(*x),
        Figure::Percent(p) if *p > 0.0 => format!("+{}%", trim(*p)),
        Figure::Percent(p) => format!("{}%", trim(*p)),
        Figure::Ratio(r) => trim(*r),
        Figure::Money(amount, currency) => money(*amount, currency),
        Figure::Text(t) => t.clone(),
        Figure::List(items) => items.join(match lang {
            Lang::En => ", ",
            Lang::Ar => "، ",
        }),
    }
}

/// An amount with its currency's decimals and its code.
pub(super) fn money(amount: Decimal, currency: &str) -> String {
    format!("{} {currency}", Money::in_code(amount, Some(currency)))
}

/// The placeholders of a template, in order.
#[cfg(test)]
fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// The text of `key` in `lang`, its placeholders filled from `figures` (a figure it lacks is
/// written `—`); the key itself if the catalogue lacks it (a test keeps that from
/// happening).
pub(super) fn render(lang: Lang, key: &str, figures: &Figures) -> String {
    let Some(template) = template(lang, key) else {
        return key.to_owned();
    };
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = &after[..end];
        match figures.iter().find(|(n, _)| *n == name) {
            Some((_, f)) => out.push_str(&written(lang, f)),
            None => out.push('—'),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::super::rules::*;
    use super::*;
    use crate::kernel::{OfferId, PromoterId};
    use crate::offers::PayoutModel;

    /// Every key the rules and the handlers can ask for.
    fn keys() -> Vec<String> {
        let mut keys: Vec<String> = [
            "overview.summary",
            "overview.trend",
            "overview.best_offer",
            "overview.level",
            "overview.level_top",
        ]
        .map(str::to_owned)
        .to_vec();
        keys.extend(ReasonCode::ALL.map(|c| format!("reason.{}", c.as_str())));
        keys.extend(NoteCode::ALL.map(|c| format!("note.{}", c.as_str())));
        for c in FindingCode::ALL {
            keys.push(format!("finding.{}", c.as_str()));
            keys.push(format!("finding.{}.do", c.as_str()));
        }
        keys.extend(TipCode::ALL.map(|c| format!("tip.{}", c.as_str())));
        keys
    }

    #[test]
    fn every_code_has_both_languages_with_the_same_placeholders() {
        let keys = keys();
        for key in &keys {
            let e = entry(key).unwrap_or_else(|| panic!("{key} has no text"));
            assert!(!e.en.trim().is_empty() && !e.ar.trim().is_empty(), "{key}");
            let en: BTreeSet<&str> = placeholders(e.en).into_iter().collect();
            let ar: BTreeSet<&str> = placeholders(e.ar).into_iter().collect();
            assert_eq!(en, ar, "{key}: the same figures in both languages");
            // The Arabic is Arabic.
            assert!(
                e.ar.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{key}"
            );
        }
        // Nothing in the catalogue that no code asks for, and no key twice.
        let asked: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        let mut seen = BTreeSet::new();
        for e in CATALOGUE {
            assert!(asked.contains(e.key), "{} is asked for by no code", e.key);
            assert!(seen.insert(e.key), "{} twice", e.key);
        }
        assert!(TipCode::ALL.len() >= 8);
    }

    fn sums(clicks: i64, conversions: i64, payout: i64) -> Sums {
        Sums {
            clicks: BTreeMap::from([("USD".to_owned(), clicks)]),
            unique_clicks: clicks,
            conversions,
            payout: BTreeMap::from([("USD".to_owned(), Decimal::from(payout))]),
        }
    }

    /// Every figure a template names is one its rule gives: rendered texts have no `—`.
    fn assert_filled(lang: Lang, key: &str, figures: &Figures) {
        let text = render(lang, key, figures);
        assert!(!text.contains('—') && !text.contains('{'), "{key}: {text}");
    }

    #[test]
    fn the_rules_give_every_figure_their_texts_name() {
        let offers: Vec<OfferFacts> = (1..=3)
            .map(|i| OfferFacts {
                id: OfferId(i),
                name: format!("Offer {i}"),
                currency: "USD".into(),
                sums: sums(100 * i, 2 * i, 10 * i * i),
            })
            .collect();
        let platform: BTreeMap<OfferId, PlatformOffer> = (1..=4)
            .map(|i| {
                (
                    OfferId(i),
                    PlatformOffer {
                        currency: "USD".into(),
                        sums: sums(1000, 100 * i, 100 * i),
                    },
                )
            })
            .collect();
        let mut hours = [0; 24];
        hours[9] = 8;
        hours[21] = 4;
        let traffic = Traffic {
            counted: 600,
            filtered: 400,
            without_sub1: 590,
            reasons: BTreeMap::from([("bot".into(), 250), ("click_flood".into(), 150)]),
        };
        let dims = |v: &[&str]| -> Vec<DimRow> {
            v.iter()
                .enumerate()
                .map(|(i, v)| DimRow {
                    value: (*v).to_owned(),
                    clicks: 100,
                    conversions: 3 - i as i64,
                })
                .collect()
        };
        let statuses = BTreeMap::from([
            ("approved".to_owned(), 10),
            ("pending_review".to_owned(), 10),
            ("duplicate".to_owned(), 8),
        ]);
        let mut found = BTreeSet::new();
        for viewer in [Viewer::Promoter, Viewer::Advertiser] {
            for sub1 in [dims(&["a", "b"]), vec![]] {
                let f = AnalysisFacts {
                    viewer,
                    offers: offers.clone(),
                    platform: platform.clone(),
                    countries: dims(&["US", "DE"]),
                    sub1,
                    hours,
                    traffic: traffic.clone(),
                    statuses: statuses.clone(),
                    pending_review: 10,
                    promoters: vec![
                        (PromoterId(7), sums(50, 5, 50)),
                        (PromoterId(8), sums(60, 1, 6)),
                    ],
                };
                for finding in analyse(&f) {
                    found.insert(finding.code.as_str());
                    for lang in Lang::ALL {
                        let code = finding.code.as_str();
                        assert_filled(lang, &format!("finding.{code}"), &finding.figures);
                        assert_filled(lang, &format!("finding.{code}.do"), &finding.figures);
                    }
                }
            }
        }
        assert!(found.len() >= 12, "{found:?}");
        let levels =
            crate::programme::rules::parse_levels("Bronze:0, Silver:500").unwrap_or_default();
        for viewer in [Viewer::Promoter, Viewer::Advertiser] {
            let f = TipFacts {
                viewer,
                clicks_7d: (0, 10),
                conversions_7d: (20, 10),
                traffic: traffic.clone(),
                points: Some((480, levels.clone())),
                cr: Some(CrComparison {
                    cr: 0.01,
                    clicks: 100,
                    conversions: 1,
                    median: 0.1,
                    offers: 2,
                    z: None,
                }),
                statuses: statuses.clone(),
                offers: 0,
            };
            for t in tips(&f) {
                for lang in Lang::ALL {
                    assert_filled(lang, &format!("tip.{}", t.code.as_str()), &t.figures);
                }
            }
        }
        // Suggestions' reasons and notes.
        let profile = Profile::of(&[OwnTraffic {
            category: "games".into(),
            model: PayoutModel::Cpa,
            country: "US".into(),
            clicks: 100,
            conversions: 5,
        }]);
        let candidate = |id: i64, clicks: i64| Candidate {
            id: OfferId(id),
            category: "games".into(),
            model: PayoutModel::Cpa,
            currency: "USD".into(),
            geo_allow: vec![],
            geo_deny: vec![],
            daily_cap: None,
            total_cap: None,
            held_today: 0,
            held_total: 0,
            platform: sums(clicks, 5, 10),
        };
        let s = suggest(&profile, &[candidate(1, 200), candidate(2, 5)]);
        for r in s.ranked.iter().flat_map(|s| &s.reasons) {
            for lang in Lang::ALL {
                assert_filled(lang, &format!("reason.{}", r.code.as_str()), &r.figures);
            }
        }
        let empty = suggest(&profile, &[]);
        if let Some((code, figures)) = note(0, 1, &empty) {
            for lang in Lang::ALL {
                assert_filled(lang, &format!("note.{}", code.as_str()), &figures);
            }
        }
    }

    #[test]
    fn figures_are_written_for_people() {
        let figures: Figures = vec![
            ("a", Figure::Share(0.2)),
            ("b", Figure::Percent(-31.0)),
            ("c", Figure::Money(Decimal::new(12345, 4), "USD".into())),
            ("d", Figure::List(vec!["US".into(), "DE".into()])),
            ("e", Figure::Percent(12.5)),
        ];
        assert_eq!(percent(0.12345), "12.35%");
        assert_eq!(percent(0.0), "0%");
        let en = "{a} {b} {c} {d} {e} {missing}";
        let out = {
            // A template of our own, through the same filling.
            let mut s = String::new();
            for name in placeholders(en) {
                match figures.iter().find(|(n, _)| *n == name) {
                    Some((_, f)) => s.push_str(&written(Lang::En, f)),
                    None => s.push('—'),
                }
                s.push(' ');
            }
            s
        };
        assert_eq!(out, "20% -31% 1.2345 USD US, DE +12.5% — ");
        assert_eq!(
            written(Lang::Ar, &Figure::List(vec!["US".into(), "DE".into()])),
            "US، DE"
        );
        assert_eq!(render(Lang::En, "no.such.key", &vec![]), "no.such.key");
    }

    #[test]
    fn languages_from_the_query_and_the_header() {
        assert_eq!(Lang::parse("ar"), Some(Lang::Ar));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse("AR"), None);
        assert_eq!(
            Lang::from_accept_language("ar-EG,ar;q=0.9,en;q=0.8"),
            Some(Lang::Ar)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, ar;q=0.7"),
            Some(Lang::Ar)
        );
        assert_eq!(Lang::from_accept_language("en-GB, ar"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("ar;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_accept_language("ar;q=x"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }
}
