/**
 * Structured log lines for CloudWatch (one JSON object per line, queryable with Logs Insights). Callers pass ids,
 * counts and codes only: never a prompt, an answer or a key.
 */
export type LambdaLog = (event: string, fields?: Record<string, unknown>) => void

export const consoleLog: LambdaLog = (event, fields = {}) => {
  console.log(JSON.stringify({ event, ...fields }))
}

/** An error's name and a bounded message, for log fields. */
export function describeError(error: unknown): { errorName: string; errorMessage: string } {
  const errorName = error instanceof Error ? error.name : typeof error
  const errorMessage = (error instanceof Error ? error.message : String(error)).slice(0, 500)
  return { errorName, errorMessage }
}
