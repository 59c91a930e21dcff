import { useTranslation } from "react-i18next";
import type { Lang } from "../../../api/hooks/assistant";

/** The UI's language as the assistant's API takes it; a switch re-renders with the new one. */
export function useAssistantLang(): Lang {
  const { i18n } = useTranslation();
  return i18n.language === "ar" ? "ar" : "en";
}
