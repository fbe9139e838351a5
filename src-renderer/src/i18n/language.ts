// The rule lives in src-main/shared, so the main process's menus speak the pages' language.
export { resolveLanguage, type LanguagePreference, type UiLanguage } from '../../../src-main/shared/ui-language'
