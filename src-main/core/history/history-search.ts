/**
 * Search over prompts and answers, newest first. Queries with a term of 3+ characters go through the trigram
 * indexes (FTS5 walks its doclists in rowid order and stops at the page size). Queries made only of 1–2
 * character terms, which trigrams cannot look up, scan the most recent rows instead; the scan is
 * bounded by a row count to stay within the search time budget, and says when it did not reach the oldest rows.
 * An answer's reasoning is not searched (nor indexed): a hit in a model's thinking would point at words the answer
 * does not show. Every path folds text the same way (search-fold.ts): the index holds folded text, and the short
 * terms are checked with `streamdesk_contains`, which folds the row as the index did.
 */
import type { Database, Statement } from 'better-sqlite3'
import { SNIPPET_LENGTH, highlightSnippet, reachOf } from './highlight-snippet'
import { plainSnippet } from './plain-snippet'
import type { HighlightedText, HistorySearchHit, HistorySearchResults } from './history-types'
import { ftsMatchExpression, foldedSearchTerms } from './search-query'
import { CONTAINS_FUNCTION } from './search-fold'

export const DEFAULT_SEARCH_LIMIT = 20
export const MAX_SEARCH_LIMIT = 100
/** Rows of each kind (prompts, answers) a 1–2 character query reads, newest first. */
export const DEFAULT_RECENT_SCAN_ROWS = 10_000

type SourceName = 'answers' | 'prompts'

interface Source {
  fts: string
  table: string
  /** The message table's rowid column, as the FTS rowid and as the scan's bound. */
  key: string
  text: string
  joins: string
  /** Rows the full-text index leaves out, left out of the scan too so both paths find the same things. */
  scanFilter: string
  columns: string
}

const SOURCES: Record<SourceName, Source> = {
  answers: {
    fts: 'answers_fts',
    table: 'answers a',
    key: 'a.id',
    text: 'a.text',
    joins: 'JOIN turns t ON t.id = a.turn_id JOIN conversations c ON c.id = t.conversation_id',
    scanFilter: "a.status != 'streaming'",
    columns:
      'a.id AS rowId, length(a.text) AS length, a.started_at AS at, a.model_id AS modelId, a.model_label AS modelLabel',
  },
  prompts: {
    fts: 'prompts_fts',
    table: 'turns t',
    key: 't.id',
    text: 't.prompt',
    joins: 'JOIN conversations c ON c.id = t.conversation_id',
    scanFilter: '1',
    columns: 't.id AS rowId, length(t.prompt) AS length, t.created_at AS at, NULL AS modelId, NULL AS modelLabel',
  },
}

interface MatchRow {
  rowId: number
  /** In characters (code points), as SQLite counts them. */
  length: number
  at: number
  modelId: string | null
  modelLabel: string | null
  turnId: number
  turnIndex: number
  conversationId: string
  conversationTitle: string
}

type Mode = 'index' | 'scan'

export class HistorySearch {
  /** One prepared statement per (source, mode, number of short terms), made on first use. */
  private readonly statements = new Map<string, Statement<unknown[], MatchRow>>()
  private readonly maxRowIds: Record<SourceName, Statement<[], number>>
  private readonly excerpts: Record<SourceName, ExcerptReader>

  constructor(
    private readonly db: Database,
    private readonly recentScanRows = DEFAULT_RECENT_SCAN_ROWS,
  ) {
    const maxId = (table: string) => db.prepare<[], number>(`SELECT coalesce(max(id), 0) FROM ${table}`).pluck()
    this.maxRowIds = { answers: maxId('answers'), prompts: maxId('turns') }
    this.excerpts = { answers: excerptReader(db, 'answers', 'text'), prompts: excerptReader(db, 'turns', 'prompt') }
  }

  search(query: string, limit = DEFAULT_SEARCH_LIMIT): HistorySearchResults {
    const terms = foldedSearchTerms(query)
    if (terms.all.length === 0) return { mode: 'empty', hits: [], complete: true }
    const pageSize = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(limit)))
    const mode: Mode = terms.indexed.length > 0 ? 'index' : 'scan'
    const shortTerms = terms.short
    let complete = true
    const hits: HistorySearchHit[] = []
    for (const source of ['answers', 'prompts'] as const) {
      const statement = this.statement(source, mode, shortTerms.length)
      let rows: MatchRow[]
      if (mode === 'index') {
        rows = statement.all(ftsMatchExpression(terms.indexed), ...shortTerms, pageSize)
      } else {
        const lowestScanned = Math.max(0, this.maxRowIds[source].get()! - this.recentScanRows)
        rows = statement.all(lowestScanned, ...shortTerms, pageSize)
        if (lowestScanned > 0 && rows.length < pageSize) complete = false
      }
      for (const row of rows) hits.push(toHit(source, row, this.excerpts[source](row, terms.all)))
    }
    hits.sort((a, b) => b.at - a.at)
    return { mode: mode === 'index' ? 'full-text' : 'recent-scan', hits: hits.slice(0, pageSize), complete }
  }

  private statement(source: SourceName, mode: Mode, shortCount: number): Statement<unknown[], MatchRow> {
    const key = `${source}:${mode}:${shortCount}`
    let statement = this.statements.get(key)
    if (!statement) {
      statement = this.db.prepare<unknown[], MatchRow>(searchSql(SOURCES[source], mode, shortCount))
      this.statements.set(key, statement)
    }
    return statement
  }
}

function searchSql(source: Source, mode: Mode, shortCount: number): string {
  const shortChecks = Array.from({ length: shortCount }, () => ` AND ${CONTAINS_FUNCTION}(${source.text}, ?)`).join('')
  const columns = `${source.columns}, t.id AS turnId, t.position AS turnIndex, c.id AS conversationId, c.title AS conversationTitle`
  if (mode === 'index') {
    return `SELECT ${columns} FROM ${source.fts} JOIN ${source.table} ON ${source.key} = ${source.fts}.rowid ${source.joins}
      WHERE ${source.fts} MATCH ?${shortChecks} ORDER BY ${source.fts}.rowid DESC LIMIT ?`
  }
  return `SELECT ${columns} FROM ${source.table} ${source.joins}
    WHERE ${source.key} > ? AND ${source.scanFilter}${shortChecks} ORDER BY ${source.key} DESC LIMIT ?`
}

function toHit(source: SourceName, row: MatchRow, snippet: HighlightedText): HistorySearchHit {
  return {
    kind: source === 'answers' ? 'answer' : 'prompt',
    conversationId: row.conversationId,
    conversationTitle: row.conversationTitle,
    turnId: row.turnId,
    turnIndex: row.turnIndex,
    ...(row.modelId !== null
      ? { answer: { id: row.rowId, modelId: row.modelId, modelLabel: row.modelLabel ?? row.modelId } }
      : {}),
    at: row.at,
    snippet: plainSnippet(snippet),
  }
}

type ExcerptReader = (row: MatchRow, terms: readonly string[]) => HighlightedText

/**
 * A hit's excerpt, read from the database around its match rather than from the whole message: SQLite finds where
 * a term first occurs in the text or its ASCII lower case (in C, without copying a megabyte answer into JavaScript),
 * and only a window around it is read and highlighted. A match that only folding finds (full-width text for a
 * half-width query, say) reads the whole message.
 */
function excerptReader(db: Database, table: string, column: string): ExcerptReader {
  // The terms are folded (lower case): an occurrence as stored, or in another ASCII case, is one in lower(text),
  // which keeps every offset (SQLite's lower() changes ASCII letters only).
  const locate = db
    .prepare<[string, number], number>(`SELECT instr(lower(${column}), ?) FROM ${table} WHERE id = ?`)
    .pluck()
  const window = db
    .prepare<[number, number, number], string>(`SELECT substr(${column}, ?, ?) FROM ${table} WHERE id = ?`)
    .pluck()
  const whole = db.prepare<[number], string>(`SELECT ${column} FROM ${table} WHERE id = ?`).pluck()
  return (row, terms) => {
    let first = 0
    for (const term of terms) {
      const at = locate.get(term, row.rowId) ?? 0
      if (at > 0 && (first === 0 || at < first)) first = at
    }
    if (first === 0) return highlightSnippet(whole.get(row.rowId) ?? '', terms)
    // Enough before the match for the lead-in (or for an excerpt that ends with the text), enough after it for
    // the excerpt; the window's first match is then this one or an earlier one only folding finds.
    const reach = reachOf(terms)
    const from = Math.max(1, first - SNIPPET_LENGTH - reach)
    const length = 2 * SNIPPET_LENGTH + 2 * reach
    const text = window.get(from, length, row.rowId) ?? ''
    return highlightSnippet(text, terms, SNIPPET_LENGTH, {
      moreBefore: from > 1,
      moreAfter: from - 1 + length < row.length,
    })
  }
}
