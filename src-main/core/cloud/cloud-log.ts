/**
 * What cloud mode tells the app's log: an event name and a few plain fields (error names, counts, ids that are
 * not secrets). Never a password, a code, a token or a credential; callers pass only what `awsErrorName` and
 * their own constants produce.
 */
export type CloudLog = (event: string, fields?: Record<string, string | number | boolean>) => void

export const silentLog: CloudLog = () => {}
