import { useTranslation } from "react-i18next";
import { levelKey } from "./display";

/** A level's name in the reader's language: the defaults translated, others as configured. */
export function useLevelName(): (name: string) => string {
  const { t } = useTranslation("points");
  return (name) => {
    const key = levelKey(name);
    return key ? t(key) : name;
  };
}
