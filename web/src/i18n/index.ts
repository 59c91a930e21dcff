// Every string the app shows goes through i18next. Texts live in i18n/en/* and i18n/ar/*, one
// file per namespace (common, auth, promoter, advertiser, admin, stats, fraud); the Arabic files
// must have the same keys as the English ones (tsc through `Shape`, and i18n.test.ts).
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import type en from "./en";

export const languages = ["en", "ar"] as const;
export type Language = (typeof languages)[number];
type Resources = typeof en;

// Only the chosen language is loaded (each is its own chunk): the other one's texts are
// fetched when the user switches.
const loaders: Record<Language, () => Promise<{ default: Resources }>> = {
  en: () => import("./en"),
  ar: () => import("./ar"),
};

async function load(lang: Language) {
  if (i18n.hasResourceBundle(lang, "common")) return;
  const resources = (await loaders[lang]()).default;
  for (const [ns, texts] of Object.entries(resources)) {
    i18n.addResourceBundle(lang, ns, texts, true, true);
  }
}

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

/** Loads the language to start with and sets i18next up; the app renders after it. */
export async function setupI18n(): Promise<typeof i18n> {
  const lng = initialLanguage(storedLanguage());
  applyToDocument(lng);
  await i18n.use(initReactI18next).init({
    lng,
    // Arabic has every English key (i18n.test.ts), so nothing falls back.
    fallbackLng: false,
    defaultNS: "common",
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  await load(lng);
  // init ran before the texts arrived: announce them so components render with them.
  await i18n.changeLanguage(lng);
  return i18n;
}

/** Switches the language, remembers it and turns the page's direction. */
export async function setLanguage(lang: Language): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Private mode without storage: the choice lasts for this page.
  }
  await load(lang);
  await i18n.changeLanguage(lang);
  applyToDocument(lang);
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : "en";
}

export default i18n;
