// Every string the app shows goes through i18next. Texts live in i18n/en/* and i18n/ar/*, one
// file per namespace (common, auth, promoter, advertiser, admin, stats); the Arabic files
// must have the same keys as the English ones (i18n.test.ts checks it).
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import ar from "./ar";
import en from "./en";

export const languages = ["en", "ar"] as const;
export type Language = (typeof languages)[number];
export const namespaces = Object.keys(en) as (keyof typeof en)[];

const STORAGE_KEY = "afftok.language";

export function directionOf(lang: Language): "ltr" | "rtl" {
  return lang === "ar" ? "rtl" : "ltr";
}

function isLanguage(v: unknown): v is Language {
  return typeof v === "string" && (languages as readonly string[]).includes(v);
}

/** The remembered choice, else the browser's first language we have, else English. */
export function initialLanguage(
  stored: string | null,
  preferred: readonly string[] = navigator.languages ?? [navigator.language],
): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLanguage(base)) return base;
  }
  return "en";
}

function applyToDocument(lang: Language) {
  document.documentElement.lang = lang;
  document.documentElement.dir = directionOf(lang);
}

function storedLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setupI18n(): typeof i18n {
  const lng = initialLanguage(storedLanguage());
  void i18n.use(initReactI18next).init({
    resources: { en, ar },
    lng,
    fallbackLng: "en",
    ns: namespaces,
    defaultNS: "common",
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyToDocument(lng);
  return i18n;
}

/** Switches the language, remembers it and turns the page's direction. */
export async function setLanguage(lang: Language): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode without storage: the choice lasts for this page.
  }
  await i18n.changeLanguage(lang);
  applyToDocument(lang);
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : "en";
}

export default i18n;
