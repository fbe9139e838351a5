/**
 * Every conversation on this device, in one SQLite file in the user-data folder (better-sqlite3: synchronous,
 * each method one short transaction). Pure core: no Electron. Open it once at startup, call
 * `markInterruptedOnStartup()` before any stream starts, and write streaming answers through an `AnswerWriter`.
 */
import { titleFromPrompt } from './conversation-title'
import { randomUUID } from 'node:crypto'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { isDeepStrictEqual } from 'node:util'
import type { Database, Statement } from 'better-sqlite3'
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock'
import { truncateText } from '../../lib/truncate-text'
import type { StoredStatus } from '../../shared/answer'
import { decodeEndDetails, encodeEndDetails } from './answer-end-details'
import { backupIfDue, checkBackup, countConversations, listDailyBackups, newestGoodBackup } from './daily-backup'
import {
  HistoryChangeError,
  describeFailedChange,
  writeFailureOf,
  describeLostChange,
  keptChangeMessage,
  tooManyKeptError,
  isDiskFullError,
  writeFailureReason,
} from './describe-write-error'
import { PendingChanges, describeKind, type PendingChange, type UnsavedConversation } from './pending-changes'
import { addFromBackup, backupDate, type RestoredBackup } from './restore-backup'
import { salvageNotice } from './salvage-notice'
import {
  HistoryImportError,
  MAX_TITLE_CHARS,
  parseHistoryJson,
  jsonInSlices,
  markdownInSlices,
  toHistoryDocument,
  toMarkdown,
  validateHistoryDocument,
  type ExportedConversation,
} from './history-export'
import type { TurnAttachment } from '../../shared/attachment'
import { TurnAttachments } from './turn-attachments'
import { HISTORY_MIGRATIONS, type Migration } from './history-migrations'
import { DEFAULT_SEARCH_LIMIT, DEFAULT_RECENT_SCAN_ROWS, HistorySearch } from './history-search'
import { SearchWorker } from './search-in-worker'
import type {
  AddedAttempt,
  AddedTurn,
  AnswerOutcome,
  AnswerRecord,
  ConversationRecord,
  ConversationSummary,
  ExportFormat,
  HistorySearchResults,
  ImportSummary,
  IntegrityReport,
  ModelRef,
  TurnRecord,
} from './history-types'
import { HistoryInUseError, lockHistory, type HistoryLock } from './history-lock'
import {
  openHistoryDatabase,
  openReadOnlyDatabase,
  openWorkerConnection,
  requestRecheck,
} from './open-history-database'
import { quickCheckInWorker } from './verify-integrity'
import type { AnswerProgress } from './answer-writer'
import { ProgressLog, type LoggedPiece } from './progress-log'
import { FOLD_FUNCTION } from './search-fold'
import { userMessage, type UserMessage } from '../../shared/user-message'
import { UserFacingError } from '../user-facing-error'

export interface HistoryStoreOptions {
  /** Timestamps and backup dates; the system clock by default. */
  clock?: Clock
  /** The schema; tests inject extra (failing) migrations. */
  migrations?: readonly Migration[]
  /** How long a write waits for another connection's lock before it fails with SQLITE_BUSY. */
  busyTimeoutMs?: number
  /** How many recent prompts and answers a 1–2 character search reads. */
  recentScanRows?: number
  /** Whether a damaged file's salvage is completed from the newest good daily backup (the default). */
  completeFromBackup?: boolean
  /**
   * Open the file read-only (a session that cannot write it, e.g. on a full disk): it is read as it is, nothing is
   * migrated, marked or backed up, and every change is refused (read-only).
   */
  readOnly?: boolean
  /** Why it is read-only (the error opening it to write gave): what a refused change reports, e.g. a full disk. */
  readOnlyCause?: unknown
}

/** Longest stretch of export work between two pauses (see exportAllInSlices). */
const SLICE_MS = 20
/** A reading worker (search, export) waits this long for a write to let it start; waiting blocks only the worker. */
const WORKER_BUSY_TIMEOUT_MS = 30_000
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
const MAX_PAGE = 500
/** First and longest wait before changes kept on a full disk are tried again (doubling in between). */
const FIRST_RETRY_MS = 1_000
const LONGEST_RETRY_MS = 30_000
/** Kept changes written in one transaction: one commit for many small changes, and a batch still fits a near-full disk. */
const RETRY_BATCH = 100

/** What the store says about changes kept while the disk is full (see PendingChanges). */
export interface PendingChangesListener {
  /** A change was kept because the disk is full, the first since everything was saved: tell the user once. */
  kept(message: UserMessage): void
  /** Everything kept is in the file now (`written` changes this time). */
  saved(written: number): void
  /** A kept change could not be written for another reason than a full disk: it is dropped, and this says why. */
  failed(lost: { english: string; message: UserMessage }): void
}

interface ConversationRow {
  id: string
  title: string
  created_at: number
  updated_at: number
  pinned: number
  system_prompt: string
  asked_elsewhere: number
}

interface TurnRow {
  id: number
  position: number
  prompt: string
  stream_id: string
  created_at: number
  parent_turn_id: number | null
}

interface AnswerRow {
  id: number
  turn_id: number
  model_id: string
  model_label: string
  text: string
  status: StoredStatus
  error_code: string | null
  error_message: string | null
  input_tokens: number | null
  output_tokens: number | null
  started_at: number
  updated_at: number
  stream_id: string
  attempt: number
  reasoning: string
  end_details: string | null
}

type AnswerValues = [
  turnId: number,
  modelId: string,
  modelLabel: string,
  text: string,
  status: StoredStatus,
  errorCode: string | null,
  errorMessage: string | null,
  inputTokens: number | null,
  outputTokens: number | null,
  startedAt: number,
  updatedAt: number,
  streamId: string,
  attempt: number,
  reasoning: string,
  endDetails: string | null,
]

export class HistoryStore {
  private readonly searcher: HistorySearch
  private readonly sql: ReturnType<typeof prepareStatements>
  private readonly attachments: TurnAttachments
  /**
   * Streaming answers' text that is in the progress log and not yet in their rows, by stream and model: what
   * reading a streaming answer adds to its row. Moved into the row when the answer ends (or at the next start).
   */
  private readonly live = new Map<string, LoggedPiece>()
  /** What a transaction changes in memory, done once it has committed (nothing of it when it rolls back). */
  private afterCommit: Array<() => void> = []
  private readOnlyCause: unknown
  /** Changes the user made while the disk was full, shown by the reads, written when there is room. */
  private readonly pending = new PendingChanges()
  private pendingListener: PendingChangesListener | undefined
  private retryTimer: TimerHandle | undefined
  private retryMs = FIRST_RETRY_MS
  private retrying = false
  private searchWorker: SearchWorker | undefined

  private constructor(
    private readonly db: Database,
    private readonly lock: HistoryLock,
    private readonly progress: ProgressLog,
    readonly readOnly: boolean,
    readonly filePath: string,
    private readonly clock: Clock,
    /** Plain-language messages for the user about opening (e.g. a damaged file was set aside). */
    readonly notices: readonly UserMessage[],
    /** The copy made before this open migrated existing data, if it did. */
    readonly preMigrationBackup: string | undefined,
    private readonly recentScanRows: number,
  ) {
    this.searcher = new HistorySearch(db, recentScanRows)
    this.sql = prepareStatements(db)
    this.attachments = new TurnAttachments(db)
    for (const piece of progress.recovered) this.addLive(piece)
  }

  static async open(filePath: string, options: HistoryStoreOptions = {}): Promise<HistoryStore> {
    const clock = options.clock ?? systemClock
    if (options.readOnly) {
      const lock = lockIfWritable(filePath)
      try {
        const db = openReadOnlyDatabase(filePath, options.migrations ?? HISTORY_MIGRATIONS)
        const recentScanRows = options.recentScanRows ?? DEFAULT_RECENT_SCAN_ROWS
        const store = new HistoryStore(
          db,
          lock,
          ProgressLog.readOnly(filePath),
          true,
          filePath,
          clock,
          [],
          undefined,
          recentScanRows,
        )
        store.readOnlyCause = options.readOnlyCause
        return store
      } catch (error) {
        lock.release()
        throw error
      }
    }
    // Before anything reads or changes the file: a second store must not set it aside, migrate it or mark answers.
    const lock = lockHistory(filePath)
    let opened: Awaited<ReturnType<typeof openHistoryDatabase>>
    try {
      opened = await openHistoryDatabase(filePath, {
        migrations: options.migrations ?? HISTORY_MIGRATIONS,
        now: () => new Date(clock.now()),
        busyTimeoutMs: options.busyTimeoutMs ?? 2_000,
      })
    } catch (error) {
      lock.release()
      throw error
    }
    let progress: ProgressLog
    try {
      progress = ProgressLog.open(filePath)
    } catch (error) {
      opened.db.close()
      lock.release()
      throw error
    }
    const notices = [...opened.notices]
    const store = new HistoryStore(
      opened.db,
      lock,
      progress,
      false,
      filePath,
      clock,
      notices,
      opened.preMigrationBackup,
      options.recentScanRows ?? DEFAULT_RECENT_SCAN_ROWS,
    )
    if (opened.salvage) {
      const fromBackup = options.completeFromBackup === false ? undefined : await store.completeFromNewestBackup()
      notices.push(salvageNotice(opened.salvage, fromBackup))
    }
    return store
  }

  /**
   * A store on a second connection to a history this core's store has open, for a worker thread of the core (the
   * import worker): no lock (the core holds it), no migration and no recovery (its store did them).
   */
  static onWorkerConnection(
    filePath: string,
    busyTimeoutMs: number,
    { queryOnly = false, live = [] }: { queryOnly?: boolean; live?: readonly LoggedPiece[] } = {},
  ): HistoryStore {
    const schema = HISTORY_MIGRATIONS.at(-1)!.version
    const db = openWorkerConnection(filePath, schema, busyTimeoutMs, { queryOnly })
    const noLock: HistoryLock = { release() {} }
    // No progress log: the core's store owns the log's file. A reader (the export worker) is handed the streaming
    // answers' text the log holds, so it reads them as the store does.
    const store = new HistoryStore(
      db,
      noLock,
      ProgressLog.none(),
      false,
      filePath,
      systemClock,
      [],
      undefined,
      DEFAULT_RECENT_SCAN_ROWS,
    )
    for (const piece of live) store.addLive(piece)
    return store
  }

  /** Adds the conversations this history lacks from its newest good daily backup, if there is one. */
  private async completeFromNewestBackup(): Promise<RestoredBackup | undefined> {
    const backup = newestGoodBackup(this.backupDir)
    if (!backup) return undefined
    try {
      return await this.addFromBackup(backup)
    } catch {
      return undefined
    }
  }

  /** The daily backups, newest first, with the number of conversations each holds (undefined: unreadable). */
  listBackups(): Array<{ date: string; conversations?: number }> {
    return listDailyBackups(this.backupDir)
      .reverse()
      .map((name) => {
        const conversations = countConversations(join(this.backupDir, name))
        return { date: backupDate(name), ...(conversations !== undefined ? { conversations } : {}) }
      })
  }

  /** Adds what the backup of `date` (YYYY-MM-DD) holds and this history lacks, once it passes its check. */
  async restoreBackup(date: string): Promise<RestoredBackup> {
    const name = listDailyBackups(this.backupDir).find((candidate) => backupDate(candidate) === date)
    if (!name) throw new UserFacingError(`There is no backup of ${date}.`, userMessage('history:no-backup', { date }))
    const check = checkBackup(join(this.backupDir, name))
    if (!check.ok)
      throw new UserFacingError(
        `The backup of ${date} is damaged (${check.problem}); nothing was restored.`,
        userMessage('history:backup-damaged', { date }, check.problem),
      )
    return this.addFromBackup(join(this.backupDir, name))
  }

  /** Adds what a daily backup holds and this history lacks (see restore-backup.ts). */
  addFromBackup(backupPath: string): Promise<RestoredBackup> {
    return addFromBackup(this, backupPath, (copyPath) =>
      HistoryStore.open(copyPath, { clock: this.clock, completeFromBackup: false }),
    )
  }

  /** The conversation whose turn or answer (a regenerated attempt's) is carried by this stream id, if any. */
  conversationOfStream(streamId: string): string | undefined {
    return this.sql.conversationOfStream.get(streamId, streamId) ?? this.pending.conversationOfStream(streamId)
  }

  /** Whether a turn or an answer (a regenerated attempt's) is carried by this stream id. */
  hasStream(streamId: string): boolean {
    return (
      this.sql.streamIdExists.get(streamId, streamId) !== undefined ||
      this.pending.conversationOfStream(streamId) !== undefined
    )
  }

  /**
   * Titled from the first prompt; `id` lets chat orchestration keep the id it already gave the conversation (or the
   * asking device gave it, with `askedElsewhere`).
   */
  createConversation(
    firstPrompt: string,
    options: { id?: string; askedElsewhere?: boolean } = {},
  ): ConversationSummary {
    const now = this.now()
    const summary: ConversationSummary = {
      id: options.id ?? randomUUID(),
      title: titleFromPrompt(firstPrompt),
      createdAt: now,
      updatedAt: now,
      pinned: false,
      ...(options.askedElsewhere ? { askedElsewhere: true } : {}),
    }
    const change: PendingChange = { kind: 'new chat', conversationId: summary.id, summary }
    this.commit(change, () => undefined)
    return { ...summary }
  }

  /**
   * A prompt and one 'streaming' answer row per model (attempt 1, on the turn's stream), in column order. The turn
   * follows the conversation's latest one, so a linear history is a path; `after` (a turn's stream id, or null for
   * a new first turn) makes it follow another: an edited prompt branches off beside the turn it replaces, which
   * stays with its own branch.
   */
  addTurn(
    conversationId: string,
    prompt: string,
    streamId: string,
    models: readonly ModelRef[],
    after?: string | null,
    attachments: readonly TurnAttachment[] = [],
  ): AddedTurn {
    if (models.length === 0) throw new Error('A turn needs at least one model')
    const now = this.now()
    const turn: TurnRecord = {
      id: 0,
      index: 0,
      parentTurnId: null,
      prompt,
      streamId,
      createdAt: now,
      answers: models.map((model) => newAnswer(model, streamId, 1, now)),
      ...(attachments.length > 0 ? { attachments: structuredClone([...attachments]) } : {}),
    }
    const change: PendingChange = { kind: 'turn', conversationId, after, models, attachments, turn }
    return this.commit(change, (conversation): AddedTurn => {
      const parent =
        after === undefined
          ? (conversation.turns.at(-1)?.id ?? null)
          : after === null
            ? null
            : conversation.turns.find((t) => t.streamId === after)?.id
      if (parent === undefined) throw new Error('The turn to follow is no longer in the conversation.')
      turn.id = this.pending.newId()
      turn.index = Math.max(-1, ...conversation.turns.map((t) => t.index)) + 1
      turn.parentTurnId = parent
      for (const answer of turn.answers) answer.id = this.pending.newId()
      return { turnId: turn.id, index: turn.index }
    }) as AddedTurn
  }

  /**
   * A regenerated answer: one 'streaming' row for `model` at the turn carried by `turnStreamId`, on its own stream,
   * numbered after that model's latest attempt there. The earlier attempts stay as they are (versions).
   */
  addAttempt(conversationId: string, turnStreamId: string, model: ModelRef, streamId: string): AddedAttempt {
    const answer = newAnswer(model, streamId, 0, this.now())
    const change: PendingChange = { kind: 'attempt', conversationId, turnStreamId, answer }
    return this.commit(change, (conversation): AddedAttempt => {
      const turn = conversation.turns.find((t) => t.streamId === turnStreamId)
      if (!turn) throw new Error('That answer is no longer in the conversation.')
      answer.id = this.pending.newId()
      answer.attempt = Math.max(0, ...turn.answers.filter((a) => a.modelId === model.id).map((a) => a.attempt)) + 1
      return { turnId: turn.id, attempt: answer.attempt }
    }) as AddedAttempt
  }

  /** `appendProgress` for one answer. */
  appendAnswerProgress(streamId: string, modelId: string, text: string, reasoning = ''): boolean {
    return this.appendProgress([{ streamId, modelId, text, reasoning }])[0]!
  }

  /**
   * Appends what each streaming answer received since its last write (text and reasoning) to the progress log, in
   * one write and fsync: the bytes written follow the size of the pieces, not of the answers so far. All or
   * (throwing) nothing is appended. For each, false when there is no such streaming answer (finished or deleted).
   */
  appendProgress(pieces: readonly AnswerProgress[]): boolean[] {
    if (this.readOnly && this.readOnlyCause !== undefined) throw this.readOnlyCause
    // Answers of a kept turn or attempt take their text in memory, and are written with it.
    const kept = pieces.map((piece) => this.pending.answer(piece.streamId, piece.modelId))
    const found = pieces.map(
      (piece, i) =>
        kept[i]?.status === 'streaming' || this.sql.streamingAnswerId.get(piece.streamId, piece.modelId) !== undefined,
    )
    const writtenAt = this.now()
    const logged = pieces
      .filter((piece, i) => found[i] && !kept[i] && (piece.text !== '' || piece.reasoning !== ''))
      .map((piece): LoggedPiece => ({ ...piece, writtenAt }))
    this.progress.append(logged)
    for (const piece of logged) this.addLive(piece)
    pieces.forEach((piece, i) => {
      const answer = kept[i]
      if (answer && found[i]) {
        answer.text += piece.text
        answer.reasoning += piece.reasoning
        answer.updatedAt = Math.max(answer.updatedAt, writtenAt)
      }
      if (!found[i]) this.live.delete(answerKey(piece.streamId, piece.modelId))
    })
    // A write that worked: there may be room for the kept changes again.
    if (logged.length > 0 && !this.db.inTransaction) this.retryPending()
    return found
  }

  /** The status of the answer a stream carries for a model; undefined when there is none (deleted). */
  answerStatus(streamId: string, modelId: string): StoredStatus | undefined {
    return this.pending.answer(streamId, modelId)?.status ?? this.sql.answerStatus.get(streamId, modelId)
  }

  /** Runs `write` in one transaction (nested calls join the outer one): all of it is committed, or none. */
  inTransaction(write: () => void): void {
    this.transact(write)
  }

  /**
   * Ends a streaming answer; `outcome.text` and `outcome.reasoning`, when given, are its full text and reasoning.
   * A stop reason the app does not know is stored as it came ('other' and the raw word). False when there is
   * nothing to end.
   */
  finishAnswer(streamId: string, modelId: string, outcome: AnswerOutcome): boolean {
    const kept = this.pending.answer(streamId, modelId)
    // Kept: ended in memory. Again when the writer retries a batch of ends that failed: the same end, the same record.
    if (kept) return (finishKeptAnswer(kept, outcome, this.now()), true)
    return this.transact((): boolean => {
      // A write that worked: there may be room for the kept changes again.
      this.afterCommit.push(() => this.retryPending())
      const answerId = this.sql.streamingAnswerId.get(streamId, modelId)
      if (answerId === undefined) {
        this.afterCommit.push(() => this.live.delete(answerKey(streamId, modelId)))
        return false
      }
      // Full text and reasoning given: the pieces only repeat them.
      if (outcome.text !== undefined && outcome.reasoning !== undefined) this.dropPieces(answerId, streamId, modelId)
      else this.joinPieces(answerId, streamId, modelId)
      const { status, text, reasoning, error, usage } = outcome
      return (
        this.sql.finishAnswer.run(
          text ?? null,
          reasoning ?? null,
          encodeEndDetails(outcome),
          status,
          error?.code ?? null,
          error?.message ?? null,
          usage?.inputTokens ?? null,
          usage?.outputTokens ?? null,
          this.now(),
          streamId,
          modelId,
        ).changes > 0
      )
    })
  }

  /**
   * An answer marked 'interrupted' at start-up goes back to 'streaming', because cloud mode resumes it (the rest
   * comes from the broker's queued chunks or the stored copy). Returns its text and reasoning so far; undefined
   * when there is no interrupted answer for that stream and model.
   */
  reopenInterrupted(streamId: string, modelId: string): { text: string; reasoning: string } | undefined {
    return this.transact((): { text: string; reasoning: string } | undefined => {
      const answerId = this.sql.interruptedAnswerId.get(streamId, modelId)
      if (answerId !== undefined) this.joinPieces(answerId, streamId, modelId)
      const channels = this.sql.interruptedChannels.get(streamId, modelId)
      if (channels === undefined) return undefined
      this.sql.reopenInterrupted.run(this.now(), streamId, modelId)
      return { ...channels }
    })
  }

  /**
   * Answers left 'streaming' by a crash become 'interrupted' (and searchable), their pieces joined into their
   * rows. Call once, before streaming.
   */
  markInterruptedOnStartup(): number {
    // Read-only: they stay as they are, shown with the text the log holds, until a session that can write.
    if (this.readOnly) return 0
    return this.transact((): number => {
      for (const answerId of this.sql.answersWithPieces.all()) this.joinStoredPieces(answerId)
      for (const { streamId, modelId } of this.live.values()) {
        const answerId = this.sql.streamingAnswerId.get(streamId, modelId)
        if (answerId !== undefined) this.joinPieces(answerId, streamId, modelId)
      }
      // What is left belongs to answers no longer streaming (ended before the crash; the log was not cleared yet).
      this.afterCommit.push(() => this.live.clear())
      return this.sql.markInterrupted.run().changes
    })
  }

  /** Pinned first, then by last activity, newest first. */
  listConversations({ limit = 50, offset = 0 }: { limit?: number; offset?: number } = {}): ConversationSummary[] {
    const page = Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)))
    const skip = Math.max(0, Math.floor(offset))
    if (this.pending.size === 0) return this.sql.listConversations.all(page, skip).map(toSummary)
    // Kept changes may add, hide or move the conversations they touch: those are read one by one and sorted in
    // among the others (enough of which are read to fill the page whatever the touched ones do).
    const touched = this.pending.affected()
    const others = this.sql.listConversations
      .all(skip + page + touched.size, 0)
      .map(toSummary)
      .filter((summary) => !touched.has(summary.id))
    const shown = [...touched].flatMap((id) => {
      const record = this.getConversation(id)
      if (!record) return []
      const { turns: _turns, systemPrompt: _systemPrompt, ...summary } = record
      return [summary]
    })
    return [...shown, ...others]
      .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt - a.updatedAt)
      .slice(skip, skip + page)
  }

  /** As the reads show it: with the changes kept while the disk is full. */
  getConversation(id: string): ConversationRecord | undefined {
    const stored = this.storedConversation(id)
    return this.pending.size === 0 ? stored : this.pending.apply(id, stored)
  }

  private storedConversation(id: string): ConversationRecord | undefined {
    const row = this.sql.getConversation.get(id)
    if (!row) return undefined
    const answersByTurn = new Map<number, AnswerRow[]>()
    for (const answer of this.sql.answersOfConversation.all(id)) {
      const group = answersByTurn.get(answer.turn_id) ?? []
      group.push(answer)
      answersByTurn.set(answer.turn_id, group)
    }
    const attachments = this.attachments.byTurn(id)
    const turns = this.sql.turnsOfConversation.all(id).map((t): TurnRecord => ({
      id: t.id,
      index: t.position,
      parentTurnId: t.parent_turn_id,
      prompt: t.prompt,
      streamId: t.stream_id,
      createdAt: t.created_at,
      answers: inColumnOrder(answersByTurn.get(t.id) ?? []).map((a) => toAnswer(this.withPieces(a))),
      ...(attachments.has(t.id) ? { attachments: attachments.get(t.id)! } : {}),
    }))
    return { ...toSummary(row), turns, ...(row.system_prompt !== '' ? { systemPrompt: row.system_prompt } : {}) }
  }

  /** The system prompt the conversation is sent with from now on ('' for none). */
  setSystemPrompt(id: string, text: string): boolean {
    return this.commitToConversation({ kind: 'system prompt', conversationId: id, text })
  }

  renameConversation(id: string, title: string): boolean {
    const clean = cleanTitle(title)
    if (clean === '') throw new Error('A conversation title cannot be empty')
    return this.commitToConversation({ kind: 'rename', conversationId: id, title: clean })
  }

  setPinned(id: string, pinned: boolean): boolean {
    return this.commitToConversation({ kind: 'pin', conversationId: id, pinned })
  }

  /** Removes the conversation, its turns and answers, and their search entries. */
  deleteConversation(id: string): boolean {
    return this.commitToConversation({ kind: 'delete', conversationId: id })
  }

  /**
   * Receives what happens to changes kept while the disk is full (one listener: the app core's, which tells the
   * user).
   */
  watchPendingChanges(listener: PendingChangesListener): void {
    this.pendingListener = listener
  }

  /** How many changes are kept in memory, waiting for room on the disk. */
  get pendingChangeCount(): number {
    return this.pending.size
  }

  /** What is kept in memory only, per conversation: what would be lost if the store closed now. */
  unsavedChanges(): UnsavedConversation[] {
    // A deleted one by the title it had.
    return this.pending.unsaved((id) => this.getConversation(id)?.title ?? this.sql.getConversation.get(id)?.title)
  }

  /**
   * Writes the kept changes, oldest first, each once, a batch per transaction, until writing fails again (tried
   * again later, a little later each time). A change that can never be written (its conversation or turn is gone)
   * is dropped and reported.
   */
  retryPending(): void {
    if (this.retrying || this.pending.size === 0 || !this.db.open || this.db.inTransaction) return
    this.retrying = true
    let written = 0
    try {
      while (this.pending.size > 0) {
        const batch = this.pending.oldest(RETRY_BATCH)
        let dropped: Array<{ english: string; message: UserMessage }>
        try {
          dropped = this.transact(() => batch.flatMap((change) => this.writeKept(change)))
        } catch (error) {
          // Nothing of the batch is written: all of it stays kept, in order.
          if (writeFailureReason(error) !== undefined) break
          throw error
        }
        // Committed: each is written (or dropped) once.
        for (let i = 0; i < batch.length; i++) this.pending.shift()
        written += batch.length - dropped.length
        for (const lost of dropped) this.pendingListener?.failed(lost)
      }
    } finally {
      this.retrying = false
    }
    if (this.pending.size > 0) {
      if (written > 0) this.retryMs = FIRST_RETRY_MS
      this.scheduleRetry()
      return
    }
    this.cancelRetry()
    this.retryMs = FIRST_RETRY_MS
    if (written > 0) this.pendingListener?.saved(written)
  }

  /** Every attachment file some conversation refers to (for the start-up sweep of files never sent). */
  referencedAttachmentFiles(): Set<string> {
    return this.attachments.referencedFiles()
  }

  /**
   * Deletes a conversation and returns the attachment files that no conversation refers to any more, for the
   * caller to remove from the attachments folder (the history never touches files itself).
   */
  deleteConversationAndFreeFiles(id: string): { deleted: boolean; unreferencedFiles: string[] } {
    const files = this.attachments.filesOf(id)
    const deleted = this.deleteConversation(id)
    return { deleted, unreferencedFiles: deleted ? files.filter((file) => !this.attachments.isReferenced(file)) : [] }
  }

  search(query: string, { limit = DEFAULT_SEARCH_LIMIT }: { limit?: number } = {}): HistorySearchResults {
    return this.searcher.search(query, limit)
  }

  /**
   * The same results as `search`, found in a worker thread on a read-only connection of its own, so a query over
   * megabyte answers does not hold this thread. An in-memory history, or one opened read-only (its connection
   * holds the file exclusively), is searched here.
   */
  searchOffThread(
    query: string,
    { limit = DEFAULT_SEARCH_LIMIT }: { limit?: number } = {},
  ): Promise<HistorySearchResults> {
    if (this.filePath === ':memory:' || this.readOnly) return Promise.resolve(this.search(query, { limit }))
    this.searchWorker ??= new SearchWorker({
      filePath: this.filePath,
      schemaVersion: HISTORY_MIGRATIONS.at(-1)!.version,
      busyTimeoutMs: WORKER_BUSY_TIMEOUT_MS,
      recentScanRows: this.recentScanRows,
    })
    return this.searchWorker.search(query, limit)
  }

  /** Undefined when there is no such conversation. */
  exportConversation(id: string, format: ExportFormat): string | undefined {
    const conversation = this.getConversation(id)
    return conversation && this.render([conversation], format)
  }

  /**
   * `exportAll` in slices: conversations are read and written out one at a time, and whenever about SLICE_MS of
   * work has run, `pause()` is awaited (by default the next turn of the event loop), so live answers keep drawing
   * while a large history is exported. The text is the same.
   */
  async exportAllInSlices(
    format: ExportFormat,
    { pause = nextTurn, sliceMs = SLICE_MS }: { pause?: () => Promise<void>; sliceMs?: number } = {},
  ): Promise<string> {
    let sliceStart = performance.now()
    const between = async () => {
      if (performance.now() - sliceStart < sliceMs) return
      await pause()
      sliceStart = performance.now()
    }
    const conversations: ConversationRecord[] = []
    for (const id of this.allConversationIds()) {
      conversations.push(this.getConversation(id)!)
      await between()
    }
    const exportedAt = new Date(this.now())
    return format === 'json'
      ? jsonInSlices(toHistoryDocument(conversations, exportedAt), between)
      : markdownInSlices(conversations, exportedAt, between)
  }

  /** Every conversation's id, oldest first (the order of an export). */
  conversationIds(): string[] {
    return this.sql.allConversationIds.all()
  }

  /** The streaming answers' text that the progress log holds and their rows do not yet (see `live`). */
  livePieces(): LoggedPiece[] {
    return [...this.live.values()].map((piece) => ({ ...piece }))
  }

  /** Runs `read` in one read transaction: everything it reads is from the same moment, whatever others write. */
  readConsistently<T>(read: () => T): T {
    return this.db.transaction(read)()
  }

  /** Every conversation, oldest first. */
  exportAll(format: ExportFormat): string {
    const conversations = this.allConversationIds().map((id) => this.getConversation(id)!)
    return this.render(conversations, format)
  }

  /** Imports an exported JSON document in one transaction: a bad file changes nothing (HistoryImportError). */
  importJson(text: string): ImportSummary {
    return this.importDocument(parseHistoryJson(text))
  }

  /**
   * The same for a document already parsed (validated here). A conversation whose id is taken is skipped when it
   * holds exactly what the history holds under that id (importing the same file twice adds nothing); otherwise it
   * is added as a copy under a new id. With `batchMs` (the import worker), conversations are committed in batches
   * of about that long: the whole file is validated first, so a refused file changes nothing; an import that
   * fails later (a full disk) keeps the batches before it, and importing the file again adds the rest.
   */
  importDocument(document: unknown, { batchMs }: { batchMs?: number } = {}): ImportSummary {
    const conversations = validateHistoryDocument(document)
    const summary: ImportSummary = {
      conversations: 0,
      turns: 0,
      answers: 0,
      renamedConversations: 0,
      alreadyPresent: 0,
    }
    let committed = 0
    /** Imports from `from` on, until the batch has taken `batchMs`; returns where the next batch starts. */
    const importBatch = (from: number): number => {
      const started = performance.now()
      let next = from
      this.withBulkIndexing(() => {
        while (next < conversations.length) {
          const conversation = conversations[next++]!
          if (this.holdsExactly(conversation)) summary.alreadyPresent += 1
          else this.insertImported(conversation, summary)
          if (batchMs !== undefined && performance.now() - started >= batchMs) break
        }
      })
      return next
    }
    try {
      // IMMEDIATE: the write lock from the start, so that a write on another connection between this batch's first
      // read and its first write cannot make it fail (a deferred transaction cannot wait then, it is refused).
      const batch = this.db.transaction(importBatch)
      if (batchMs === undefined) batch.immediate(0)
      else {
        for (let next = 0; next < conversations.length;) {
          next = batch.immediate(next)
          committed = summary.conversations
          // The write lock stays free as long as the batch held it (see the import worker).
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, batchMs)
        }
      }
      return summary
    } catch (error) {
      const reason = writeFailureOf(error)
      const own = error instanceof Error ? error.message : String(error)
      throw new HistoryImportError(
        {
          reason: describeFailedChange(error) ?? `The import could not be saved (${own}).`,
          failure: 'not-saved',
          ...(reason ? { params: { reason } } : { detail: own }),
        },
        committed,
      )
    }
  }

  /** Writes today's rolling backup into `backups/` next to the file if it is not there yet (last 7 kept). */
  backupIfDue(now = new Date(this.now())): Promise<string | undefined> {
    if (this.readOnly) return Promise.resolve(undefined)
    return backupIfDue(this.db, this.backupDir, now)
  }

  /**
   * Checks every page of the file in a worker thread; call it once after startup. On damage the file is set
   * aside at the next start (with a notice), and `message` tells the user so now.
   */
  async verifyIntegrity(): Promise<IntegrityReport> {
    const result = await quickCheckInWorker(this.filePath)
    if (result.status !== 'damaged') return result
    requestRecheck(this.filePath, result.problems)
    const message =
      'Your conversation history file is damaged. When StreamDesk restarts it will set the damaged file aside ' +
      '(nothing is deleted), recover what still reads from it and add what is missing from the newest daily ' +
      `backup. Daily backups are in ${this.backupDir}.`
    return { ...result, message }
  }

  /**
   * Closes the file and lets another store open it. `PRAGMA optimize` only refreshes query statistics: when it
   * cannot write them (a full disk), the file is closed all the same.
   */
  close(): void {
    if (!this.db.open) return
    // What is still kept is lost now: the caller asked `unsavedChanges()` first to say so.
    this.cancelRetry()
    this.pending.clear()
    void this.searchWorker?.close()
    this.searchWorker = undefined
    this.progress.close()
    try {
      if (!this.readOnly) this.db.pragma('optimize')
    } catch {
      // Statistics only; nothing of the history depends on them.
    } finally {
      try {
        this.db.close()
      } finally {
        this.lock.release()
      }
    }
  }

  /** A streaming answer as read: its row followed by the pieces written so far. */
  private withPieces(row: AnswerRow): AnswerRow {
    if (row.status !== 'streaming') return row
    const live = this.live.get(answerKey(row.stream_id, row.model_id))
    const pieces = [...this.sql.piecesOf.all(row.id), ...(live ? [live] : [])]
    if (pieces.length === 0) return row
    const joined = joinedPieces(pieces)
    return {
      ...row,
      text: row.text + joined.text,
      reasoning: row.reasoning + joined.reasoning,
      updated_at: Math.max(row.updated_at, joined.writtenAt),
    }
  }

  /** Moves an answer's pieces (the progress log's, and any an earlier version stored) into its row, in the caller's transaction. */
  private joinPieces(answerId: number, streamId: string, modelId: string): void {
    const live = this.live.get(answerKey(streamId, modelId))
    const pieces = [...this.sql.piecesOf.all(answerId), ...(live ? [live] : [])]
    if (pieces.length === 0) return
    const joined = joinedPieces(pieces)
    this.sql.appendToAnswer.run(joined.text, joined.reasoning, joined.writtenAt, answerId)
    this.dropPieces(answerId, streamId, modelId)
  }

  /** `joinPieces` for the pieces an earlier version stored in the database (answer_pieces). */
  private joinStoredPieces(answerId: number): void {
    const pieces = this.sql.piecesOf.all(answerId)
    if (pieces.length === 0) return
    const joined = joinedPieces(pieces)
    this.sql.appendToAnswer.run(joined.text, joined.reasoning, joined.writtenAt, answerId)
    this.sql.deletePieces.run(answerId)
  }

  /** Forgets an answer's pieces, once the caller's transaction commits. */
  private dropPieces(answerId: number, streamId: string, modelId: string): void {
    this.sql.deletePieces.run(answerId)
    this.afterCommit.push(() => this.live.delete(answerKey(streamId, modelId)))
  }

  /** Drops the pieces of answers that are no longer streaming rows (deleted). */
  private forgetGoneAnswers(): void {
    for (const [key, { streamId, modelId }] of this.live) {
      if (this.sql.streamingAnswerId.get(streamId, modelId) === undefined) this.live.delete(key)
    }
  }

  private addLive(piece: LoggedPiece): void {
    const key = answerKey(piece.streamId, piece.modelId)
    const held = this.live.get(key)
    if (!held) this.live.set(key, { ...piece })
    else {
      held.text += piece.text
      held.reasoning += piece.reasoning
      held.writtenAt = piece.writtenAt
    }
  }

  /**
   * Runs `write` in a transaction (joining an outer one); when the outermost commits, its in-memory changes are
   * made, and an emptied progress log is cleared: every piece in it is in the rows now.
   */
  private transact<T>(write: () => T): T {
    const outermost = !this.db.inTransaction
    let result: T
    try {
      result = this.db.transaction(write)()
    } catch (error) {
      if (outermost) this.afterCommit = []
      throw error
    }
    if (outermost) {
      const actions = this.afterCommit
      this.afterCommit = []
      for (const action of actions) action()
      if (this.live.size === 0 && this.progress.bytes > 0) {
        try {
          this.progress.clear()
        } catch {
          // Retried before the next append (which waits for it), so no joined piece is ever joined twice.
        }
      }
    }
    return result
  }

  /** Where the daily backups are (the damage notice names it). */
  get backupDir(): string {
    return join(dirname(this.filePath), 'backups')
  }

  /** Every conversation as the reads show them, oldest first (a kept new chat after the stored ones). */
  private allConversationIds(): string[] {
    const stored = this.sql.allConversationIds.all()
    if (this.pending.size === 0) return stored
    return [...stored.filter((id) => !this.pending.isDeleted(id)), ...this.pending.newConversationIds()]
  }

  /** A change to one conversation: false when there is no such conversation (also as the kept changes show it). */
  private commitToConversation(change: PendingChange): boolean {
    return this.commit(change, () => true, false) as boolean
  }

  /**
   * Writes a change the user asked for, in order after any kept ones. When the disk is full it is kept instead:
   * `kept(conversation)` checks it against the conversation as the reads show it (throwing when it does not
   * apply), completes it (ids, position) and returns what the write would have. The user hears of it once.
   */
  private commit(
    change: PendingChange,
    kept: (conversation: ConversationRecord) => unknown,
    missing: unknown = undefined,
  ): unknown {
    // Part of a caller's transaction (a backup's restore): all of it is written or none, so nothing is kept apart.
    const partOfTransaction = this.db.inTransaction
    this.retryPending()
    if (this.pending.size === 0 || partOfTransaction) {
      try {
        return this.change(() => this.writeChange(change))
      } catch (error) {
        const diskFull = error instanceof HistoryChangeError && isDiskFullError(error.cause)
        if (this.readOnly || partOfTransaction || !diskFull) throw error
      }
    }
    const conversation =
      change.kind === 'new chat' ? { ...change.summary, turns: [] } : this.getConversation(change.conversationId)
    if (!conversation) {
      if (missing !== undefined) return missing
      throw new Error(`No conversation with the id "${change.conversationId}"`)
    }
    const result = kept(conversation)
    if (!this.pending.fits(change)) throw tooManyKeptError()
    const first = this.pending.size === 0
    this.pending.add(change)
    if (first) this.pendingListener?.kept(keptChangeMessage())
    this.scheduleRetry()
    return result
  }

  /**
   * One change, written in one transaction: the same code for a change made now and one kept while the disk was
   * full (with the times it was made at, and a kept answer's text and end as they are now).
   */
  private writeChange(change: PendingChange): unknown {
    const { sql } = this
    const id = change.conversationId
    return this.transact((): unknown => {
      switch (change.kind) {
        case 'new chat': {
          const { summary } = change
          sql.insertConversation.run(id, summary.title, summary.createdAt, summary.updatedAt, summary.pinned ? 1 : 0)
          if (summary.askedElsewhere) sql.markAskedElsewhere.run(id)
          return undefined
        }
        case 'turn':
          return this.writeTurn(change)
        case 'attempt': {
          const { answer } = change
          const turnId = sql.turnByStream.get(id, change.turnStreamId)
          if (turnId === undefined) throw new Error('That answer is no longer in the conversation.')
          const attempt = sql.nextAttempt.get(turnId, answer.modelId)!
          sql.insertAnswer.run(turnId, ...answerValues({ ...answer, attempt }))
          sql.touchConversation.run(answer.startedAt, id)
          return { turnId, attempt } satisfies AddedAttempt
        }
        case 'rename':
          return sql.rename.run(change.title, id).changes > 0
        case 'pin':
          return sql.setPinned.run(change.pinned ? 1 : 0, id).changes > 0
        case 'system prompt':
          return sql.setSystemPrompt.run(change.text, id).changes > 0
        case 'delete':
          // Its streaming answers' pieces in the log are no longer anyone's.
          this.afterCommit.push(() => this.forgetGoneAnswers())
          return sql.deleteConversation.run(id).changes > 0
      }
    })
  }

  /**
   * A kept change, in its own savepoint of the batch's transaction: nothing when written, the message for the user
   * when it can never be written. A failed write (the disk still full) fails the whole batch.
   */
  private writeKept(change: PendingChange): Array<{ english: string; message: UserMessage }> {
    try {
      this.writeChange(change)
      return []
    } catch (error) {
      if (writeFailureReason(error) !== undefined) throw error
      const title = this.getConversation(change.conversationId)?.title ?? change.conversationId
      return [describeLostChange(change.kind, describeKind(change.kind), title, error)]
    }
  }

  private writeTurn(change: Extract<PendingChange, { kind: 'turn' }>): AddedTurn {
    const { sql } = this
    const { conversationId, after, turn } = change
    if (sql.touchConversation.run(turn.createdAt, conversationId).changes === 0) {
      throw new Error(`No conversation with the id "${conversationId}"`)
    }
    const index = sql.nextPosition.get(conversationId)!
    const parent =
      after === undefined
        ? (sql.latestTurnId.get(conversationId) ?? null)
        : after === null
          ? null
          : sql.turnByStream.get(conversationId, after)
    if (parent === undefined) throw new Error('The turn to follow is no longer in the conversation.')
    const turnId = Number(
      sql.insertTurn.run(conversationId, index, turn.prompt, turn.streamId, turn.createdAt, parent).lastInsertRowid,
    )
    for (const answer of turn.answers) sql.insertAnswer.run(turnId, ...answerValues(answer))
    this.attachments.add(turnId, change.attachments)
    return { turnId, index }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined) return
    const wait = this.retryMs
    this.retryMs = Math.min(LONGEST_RETRY_MS, this.retryMs * 2)
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined
      this.retryPending()
    }, wait)
  }

  private cancelRetry(): void {
    if (this.retryTimer === undefined) return
    this.clock.clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  /** Runs a change the user asked for; a write SQLite refused becomes a plain HistoryChangeError. */
  private change<T>(write: () => T): T {
    try {
      return write()
    } catch (error) {
      // Read-only because of a full disk, say: that is what the user can act on.
      const failure = this.readOnly ? (this.readOnlyCause ?? error) : error
      const message = describeFailedChange(failure)
      if (message === undefined) throw error
      throw new HistoryChangeError(message, { cause: error, failure })
    }
  }

  /** Whole milliseconds: the columns are STRICT integers, and the system clock has sub-millisecond precision. */
  private now(): number {
    return Math.floor(this.clock.now())
  }

  /**
   * FTS5 flushes its pending index data at every savepoint, and a trigger that writes to it runs in one per row:
   * a bulk insert through the index triggers is about twice as slow as indexing the same rows in one statement.
   * So, inside the caller's transaction (a failure rolls everything back), the insert triggers are dropped, the
   * rows inserted and indexed in one statement each, and the triggers recreated from their own stored SQL.
   */
  private withBulkIndexing(insertRows: () => void): void {
    const { sql } = this
    const triggers = sql.indexInsertTriggers.all()
    const lastTurnId = sql.maxTurnId.get()!
    const lastAnswerId = sql.maxAnswerId.get()!
    for (const trigger of triggers) this.db.exec(`DROP TRIGGER ${trigger.name}`)
    insertRows()
    sql.indexPromptsAfter.run(lastTurnId)
    sql.indexAnswersAfter.run(lastAnswerId)
    for (const trigger of triggers) this.db.exec(trigger.sql)
  }

  private holdsExactly(conversation: ExportedConversation): boolean {
    const existing = this.getConversation(conversation.id)
    if (!existing) return false
    const [asExported] = validateHistoryDocument(toHistoryDocument([existing], new Date(0)))
    return isDeepStrictEqual(asExported, conversation)
  }

  private insertImported(conversation: ExportedConversation, summary: ImportSummary): void {
    const taken = this.sql.conversationExists.get(conversation.id) !== undefined
    const id = taken ? randomUUID() : conversation.id
    const title = cleanTitle(conversation.title) || titleFromPrompt(conversation.turns[0]?.prompt ?? '')
    const { sql } = this
    sql.insertConversation.run(
      id,
      title,
      Date.parse(conversation.createdAt),
      Date.parse(conversation.updatedAt),
      conversation.pinned ? 1 : 0,
    )
    if (conversation.systemPrompt !== undefined) sql.setSystemPrompt.run(conversation.systemPrompt, id)
    if (conversation.askedElsewhere) sql.markAskedElsewhere.run(id)
    // Stream ids only matter while streaming; a taken one is replaced rather than refusing the file.
    const streamIds = new Map<string, string>()
    const freeStreamId = (streamId: string): string => {
      let free = streamIds.get(streamId)
      if (free === undefined) {
        free = sql.streamIdExists.get(streamId, streamId) === undefined ? streamId : `imported-${randomUUID()}`
        streamIds.set(streamId, free)
      }
      return free
    }
    const turnIds: number[] = []
    conversation.turns.forEach((turn, position) => {
      const parent = turn.parent === null ? null : turnIds[turn.parent]!
      const streamId = freeStreamId(turn.streamId)
      const turnId = Number(
        sql.insertTurn.run(id, position, turn.prompt, streamId, Date.parse(turn.createdAt), parent).lastInsertRowid,
      )
      turnIds.push(turnId)
      for (const a of turn.answers) {
        sql.insertAnswer.run(
          turnId,
          a.modelId,
          a.modelLabel,
          a.text,
          // Nothing imported is still streaming: an export taken mid-answer holds an interrupted answer.
          a.status === 'streaming' ? 'interrupted' : a.status,
          a.error?.code ?? null,
          a.error?.message ?? null,
          a.usage?.inputTokens ?? null,
          a.usage?.outputTokens ?? null,
          Date.parse(a.startedAt),
          Date.parse(a.updatedAt),
          freeStreamId(a.streamId),
          a.attempt,
          a.reasoning ?? '',
          encodeEndDetails(a.end),
        )
      }
      this.attachments.add(turnId, turn.attachments ?? [])
      summary.turns += 1
      summary.answers += turn.answers.length
    })
    summary.conversations += 1
    if (taken) summary.renamedConversations += 1
  }

  private render(conversations: ConversationRecord[], format: ExportFormat): string {
    const exportedAt = new Date(this.now())
    return format === 'json'
      ? `${JSON.stringify(toHistoryDocument(conversations, exportedAt), null, 2)}\n`
      : toMarkdown(conversations, exportedAt)
  }
}

/**
 * The lock for a read-only store: another store's lock still refuses it, but a disk too full to write the lock
 * file does not (a reader cannot harm a file another store writes).
 */
function lockIfWritable(filePath: string): HistoryLock {
  try {
    return lockHistory(filePath)
  } catch (error) {
    if (error instanceof HistoryInUseError) throw error
    return { release() {} }
  }
}

/** One line, whitespace collapsed, at most MAX_TITLE_CHARS; '' when nothing is left. */
function cleanTitle(title: string): string {
  return truncateText(title.replace(/\s+/g, ' ').trim(), MAX_TITLE_CHARS)
}

interface PieceRow {
  text: string
  reasoning: string
  writtenAt: number
}

function joinedPieces(pieces: readonly PieceRow[]): { text: string; reasoning: string; writtenAt: number } {
  return {
    text: pieces.map((piece) => piece.text).join(''),
    reasoning: pieces.map((piece) => piece.reasoning).join(''),
    writtenAt: Math.max(...pieces.map((piece) => piece.writtenAt)),
  }
}

/** A new answer's record: streaming, with nothing yet (its id and attempt are set where it is written or kept). */
function newAnswer(model: ModelRef, streamId: string, attempt: number, now: number): AnswerRecord {
  return {
    id: 0,
    modelId: model.id,
    modelLabel: model.label,
    streamId,
    attempt,
    text: '',
    reasoning: '',
    status: 'streaming',
    startedAt: now,
    updatedAt: now,
  }
}

/** A kept answer's end, as `finishAnswer` would write it (and its row would read back). */
function finishKeptAnswer(answer: AnswerRecord, outcome: AnswerOutcome, now: number): void {
  const { status, text, reasoning, error, usage } = outcome
  if (text !== undefined) answer.text = text
  if (reasoning !== undefined) answer.reasoning = reasoning
  answer.status = status
  answer.updatedAt = now
  delete answer.error
  delete answer.usage
  delete answer.end
  if (error) answer.error = { code: error.code, message: error.message }
  const kept = {
    ...(usage?.inputTokens !== undefined ? { inputTokens: usage.inputTokens } : {}),
    ...(usage?.outputTokens !== undefined ? { outputTokens: usage.outputTokens } : {}),
  }
  if (Object.keys(kept).length > 0) answer.usage = kept
  const end = decodeEndDetails(encodeEndDetails(outcome))
  if (end) answer.end = end
}

/** An answer's row values after its turn id. */
function answerValues(a: AnswerRecord): AnswerValues extends [number, ...infer Rest] ? Rest : never {
  return [
    a.modelId,
    a.modelLabel,
    a.text,
    a.status,
    a.error?.code ?? null,
    a.error?.message ?? null,
    a.usage?.inputTokens ?? null,
    a.usage?.outputTokens ?? null,
    a.startedAt,
    a.updatedAt,
    a.streamId,
    a.attempt,
    a.reasoning,
    encodeEndDetails(a.end),
  ]
}

function answerKey(streamId: string, modelId: string): string {
  return `${streamId}\u0000${modelId}`
}

function toSummary(row: ConversationRow): ConversationSummary {
  return {
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    pinned: row.pinned === 1,
    ...(row.asked_elsewhere === 1 ? { askedElsewhere: true } : {}),
  }
}

/**
 * Rows come in id order; each model's attempts are gathered after its first one, so the models keep the column
 * order `addTurn` gave them and a later attempt (a higher id) does not move its model to the end.
 */
function inColumnOrder(rows: readonly AnswerRow[]): AnswerRow[] {
  const byModel = new Map<string, AnswerRow[]>()
  for (const row of rows) {
    const attempts = byModel.get(row.model_id)
    if (attempts) attempts.push(row)
    else byModel.set(row.model_id, [row])
  }
  return [...byModel.values()].flatMap((attempts) => attempts.sort((a, b) => a.attempt - b.attempt))
}

function toAnswer(row: AnswerRow): AnswerRecord {
  const end = decodeEndDetails(row.end_details)
  const usage = {
    ...(row.input_tokens !== null ? { inputTokens: row.input_tokens } : {}),
    ...(row.output_tokens !== null ? { outputTokens: row.output_tokens } : {}),
  }
  return {
    id: row.id,
    modelId: row.model_id,
    modelLabel: row.model_label,
    streamId: row.stream_id,
    attempt: row.attempt,
    text: row.text,
    reasoning: row.reasoning,
    status: row.status,
    ...(row.error_code !== null ? { error: { code: row.error_code, message: row.error_message ?? '' } } : {}),
    ...(Object.keys(usage).length > 0 ? { usage } : {}),
    ...(end ? { end } : {}),
    startedAt: row.started_at,
    updatedAt: row.updated_at,
  }
}

// An answer is found by the stream that carries it (its own column, so a regenerated attempt is found the same way).
const ANSWER_BY_STREAM = `stream_id = ? AND model_id = ? AND status = 'streaming'`
const INTERRUPTED_ANSWER_BY_STREAM = `stream_id = ? AND model_id = ? AND status = 'interrupted'`

function prepareStatements(db: Database) {
  const statement = <P extends unknown[], R = unknown>(source: string): Statement<P, R> => db.prepare<P, R>(source)
  return {
    insertConversation: statement<[string, string, number, number, number]>(
      'INSERT INTO conversations (id, title, created_at, updated_at, pinned) VALUES (?, ?, ?, ?, ?)',
    ),
    markAskedElsewhere: statement<[string]>('UPDATE conversations SET asked_elsewhere = 1 WHERE id = ?'),
    touchConversation: statement<[number, string]>('UPDATE conversations SET updated_at = ? WHERE id = ?'),
    conversationExists: statement<[string], 1>('SELECT 1 FROM conversations WHERE id = ?').pluck(),
    conversationOfStream: statement<[string, string], string>(
      `SELECT conversation_id FROM turns WHERE stream_id = ?
       UNION ALL SELECT t.conversation_id FROM answers a JOIN turns t ON t.id = a.turn_id WHERE a.stream_id = ? LIMIT 1`,
    ).pluck(),
    streamIdExists: statement<[string, string], 1>(
      'SELECT 1 FROM turns WHERE stream_id = ? UNION ALL SELECT 1 FROM answers WHERE stream_id = ? LIMIT 1',
    ).pluck(),
    nextPosition: statement<[string], number>(
      'SELECT coalesce(max(position) + 1, 0) FROM turns WHERE conversation_id = ?',
    ).pluck(),
    latestTurnId: statement<[string], number>(
      'SELECT id FROM turns WHERE conversation_id = ? ORDER BY position DESC LIMIT 1',
    ).pluck(),
    turnByStream: statement<[string, string], number>(
      'SELECT id FROM turns WHERE conversation_id = ? AND stream_id = ?',
    ).pluck(),
    nextAttempt: statement<[number, string], number>(
      'SELECT coalesce(max(attempt), 0) + 1 FROM answers WHERE turn_id = ? AND model_id = ?',
    ).pluck(),
    insertTurn: statement<[string, number, string, string, number, number | null]>(
      `INSERT INTO turns (conversation_id, position, prompt, stream_id, created_at, parent_turn_id)
        VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    insertAnswer: statement<AnswerValues>(
      `INSERT INTO answers (turn_id, model_id, model_label, text, status, error_code, error_message, input_tokens,
        output_tokens, started_at, updated_at, stream_id, attempt, reasoning, end_details)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    answerStatus: statement<[string, string], StoredStatus>(
      'SELECT status FROM answers WHERE stream_id = ? AND model_id = ?',
    ).pluck(),
    streamingAnswerId: statement<[string, string], number>(`SELECT id FROM answers WHERE ${ANSWER_BY_STREAM}`).pluck(),
    interruptedAnswerId: statement<[string, string], number>(
      `SELECT id FROM answers WHERE ${INTERRUPTED_ANSWER_BY_STREAM}`,
    ).pluck(),
    // answer_pieces: where an earlier version appended streaming text (now the progress log): still joined.
    piecesOf: statement<[number], PieceRow>(
      'SELECT text, reasoning, written_at AS writtenAt FROM answer_pieces WHERE answer_id = ? ORDER BY id',
    ),
    answersWithPieces: statement<[], number>('SELECT DISTINCT answer_id FROM answer_pieces').pluck(),
    deletePieces: statement<[number]>('DELETE FROM answer_pieces WHERE answer_id = ?'),
    appendToAnswer: statement<[string, string, number, number]>(
      `UPDATE answers SET text = text || ?, reasoning = reasoning || ?, updated_at = max(updated_at, ?) WHERE id = ?`,
    ),
    finishAnswer: statement<
      [
        string | null,
        string | null,
        string | null,
        string,
        string | null,
        string | null,
        number | null,
        number | null,
        number,
        string,
        string,
      ]
    >(
      `UPDATE answers SET text = coalesce(?, text), reasoning = coalesce(?, reasoning), end_details = ?, status = ?,
        error_code = ?, error_message = ?, input_tokens = ?, output_tokens = ?, updated_at = ? WHERE ${ANSWER_BY_STREAM}`,
    ),
    markInterrupted: statement<[]>(`UPDATE answers SET status = 'interrupted' WHERE status = 'streaming'`),
    interruptedChannels: statement<[string, string], { text: string; reasoning: string }>(
      `SELECT text, reasoning FROM answers WHERE ${INTERRUPTED_ANSWER_BY_STREAM}`,
    ),
    reopenInterrupted: statement<[number, string, string]>(
      `UPDATE answers SET status = 'streaming', updated_at = ? WHERE ${INTERRUPTED_ANSWER_BY_STREAM}`,
    ),
    listConversations: statement<[number, number], ConversationRow>(
      'SELECT * FROM conversations ORDER BY pinned DESC, updated_at DESC, rowid DESC LIMIT ? OFFSET ?',
    ),
    allConversationIds: statement<[], string>('SELECT id FROM conversations ORDER BY created_at, rowid').pluck(),
    getConversation: statement<[string], ConversationRow>('SELECT * FROM conversations WHERE id = ?'),
    turnsOfConversation: statement<[string], TurnRow>(
      'SELECT * FROM turns WHERE conversation_id = ? ORDER BY position',
    ),
    answersOfConversation: statement<[string], AnswerRow>(
      'SELECT a.* FROM answers a JOIN turns t ON t.id = a.turn_id WHERE t.conversation_id = ? ORDER BY a.id',
    ),
    rename: statement<[string, string]>('UPDATE conversations SET title = ? WHERE id = ?'),
    setPinned: statement<[number, string]>('UPDATE conversations SET pinned = ? WHERE id = ?'),
    setSystemPrompt: statement<[string, string]>('UPDATE conversations SET system_prompt = ? WHERE id = ?'),
    deleteConversation: statement<[string]>('DELETE FROM conversations WHERE id = ?'),
    indexInsertTriggers: statement<[], { name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name IN ('turns_fts_insert', 'answers_fts_insert')",
    ),
    maxTurnId: statement<[], number>('SELECT coalesce(max(id), 0) FROM turns').pluck(),
    maxAnswerId: statement<[], number>('SELECT coalesce(max(id), 0) FROM answers').pluck(),
    // The same rows the insert triggers would index: every prompt, answers that are not streaming.
    indexPromptsAfter: statement<[number]>(
      `INSERT INTO prompts_fts (rowid, prompt) SELECT id, ${FOLD_FUNCTION}(prompt) FROM turns WHERE id > ?`,
    ),
    indexAnswersAfter: statement<[number]>(
      `INSERT INTO answers_fts (rowid, text) SELECT id, ${FOLD_FUNCTION}(text) FROM answers WHERE id > ? AND status != 'streaming'`,
    ),
  }
}
