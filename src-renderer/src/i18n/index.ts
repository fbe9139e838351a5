import { en, type Strings } from './en'

/** The active UI strings. One language for now; picking another means choosing a different module here. */
export const t: Strings = en
export type { Strings }
