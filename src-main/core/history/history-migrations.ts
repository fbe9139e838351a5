/**
 * The history schema as ordered migrations. `PRAGMA user_version` holds the version of the last one applied.
 * Never edit a released migration: add the next one. Each runs inside the open's single migration transaction,
 * so it may not change PRAGMAs that are no-ops in a transaction (foreign_keys, journal_mode).
 */
import type { Database } from 'better-sqlite3'
import { FOLD_FUNCTION, registerSearchFolding } from './search-fold'

export interface Migration {
  version: number
  description: string
  up(db: Database): void
}

const tables: Migration = {
  version: 1,
  description: 'conversations, turns (one per prompt) and answers (one per model per prompt)',
  up: (db) =>
    db.exec(`
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY NOT NULL,
        title TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1))
      ) STRICT;
      -- The sidebar, read backwards: pinned first, then most recent activity, then newest rowid.
      CREATE INDEX conversations_by_recency ON conversations (pinned, updated_at);

      CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        prompt TEXT NOT NULL,
        stream_id TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        UNIQUE (conversation_id, position)
      ) STRICT;

      CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        turn_id INTEGER NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        model_label TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('streaming', 'complete', 'stopped', 'error', 'interrupted')),
        error_code TEXT,
        error_message TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        started_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (turn_id, model_id)
      ) STRICT;
      -- Only rows a crash can leave behind, so the startup sweep touches nothing else.
      CREATE INDEX answers_streaming ON answers (id) WHERE status = 'streaming';
    `),
}

/**
 * Trigram indexes find any substring of 3+ characters, which is what Japanese and Chinese text (no spaces)
 * needs; case-insensitive by default. Contentless with `contentless_delete`, so a trigger deletes by rowid
 * without having to repeat the exact text it indexed. Answers are indexed once they stop streaming: re-indexing
 * a growing answer on every progress write would churn the index several times a second.
 */
const fullTextSearch: Migration = {
  version: 2,
  description: 'trigram full-text indexes over prompts and finished answers',
  up: (db) =>
    db.exec(`
      CREATE VIRTUAL TABLE prompts_fts USING fts5 (prompt, content = '', contentless_delete = 1, tokenize = 'trigram');
      CREATE VIRTUAL TABLE answers_fts USING fts5 (text, content = '', contentless_delete = 1, tokenize = 'trigram');

      CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
        INSERT INTO prompts_fts (rowid, prompt) VALUES (new.id, new.prompt);
      END;
      CREATE TRIGGER turns_fts_update AFTER UPDATE OF prompt ON turns BEGIN
        DELETE FROM prompts_fts WHERE rowid = old.id;
        INSERT INTO prompts_fts (rowid, prompt) VALUES (new.id, new.prompt);
      END;
      CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
        DELETE FROM prompts_fts WHERE rowid = old.id;
      END;

      CREATE TRIGGER answers_fts_insert AFTER INSERT ON answers WHEN new.status != 'streaming' BEGIN
        INSERT INTO answers_fts (rowid, text) VALUES (new.id, new.text);
      END;
      CREATE TRIGGER answers_fts_update AFTER UPDATE OF text, status ON answers
        WHEN old.status != 'streaming' OR new.status != 'streaming' BEGIN
        DELETE FROM answers_fts WHERE rowid = old.id;
        INSERT INTO answers_fts (rowid, text) SELECT new.id, new.text WHERE new.status != 'streaming';
      END;
      CREATE TRIGGER answers_fts_delete AFTER DELETE ON answers WHEN old.status != 'streaming' BEGIN
        DELETE FROM answers_fts WHERE rowid = old.id;
      END;

      INSERT INTO prompts_fts (rowid, prompt) SELECT id, prompt FROM turns;
      INSERT INTO answers_fts (rowid, text) SELECT id, text FROM answers WHERE status != 'streaming';
    `),
}

/**
 * Room for versions and branches: an answer row becomes one attempt of a model at a turn (regenerate adds the next
 * attempt, carried by its own stream), and each turn names the turn it follows, so a linear history is a path in a
 * tree and edit-and-resend can start a sibling. Existing answers become attempt 1 of their turn's stream; existing
 * turns follow the previous turn of their conversation.
 *
 * SQLite cannot drop the old UNIQUE (turn_id, model_id), so `answers` is rebuilt. Its rows keep their ids, which
 * are the rowids of the search index, so `answers_fts` stays valid without re-indexing. The table's triggers and
 * indexes are dropped with it (the implicit delete fires no trigger) and recreated from their own stored SQL, so
 * this migration does not repeat (and cannot drift from) the ones that made them.
 */
const versionsAndBranches: Migration = {
  version: 3,
  description: 'answers as attempts (stream id, attempt number) and turns as a tree (parent turn)',
  up: (db) => {
    const dependents = db
      .prepare<[], string>(
        "SELECT sql FROM sqlite_schema WHERE tbl_name = 'answers' AND type IN ('index', 'trigger') AND sql IS NOT NULL",
      )
      .pluck()
      .all()
    db.exec(`
      ALTER TABLE turns ADD COLUMN parent_turn_id INTEGER REFERENCES turns (id) ON DELETE CASCADE;
      UPDATE turns SET parent_turn_id = (
        SELECT p.id FROM turns p
        WHERE p.conversation_id = turns.conversation_id AND p.position < turns.position
        ORDER BY p.position DESC LIMIT 1
      );
      CREATE INDEX turns_by_parent ON turns (parent_turn_id);

      CREATE TABLE answers_v3 (
        id INTEGER PRIMARY KEY,
        turn_id INTEGER NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        model_label TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('streaming', 'complete', 'stopped', 'error', 'interrupted')),
        error_code TEXT,
        error_message TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        started_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        stream_id TEXT NOT NULL,
        attempt INTEGER NOT NULL CHECK (attempt >= 1),
        UNIQUE (turn_id, model_id, attempt),
        -- How the writer finds the answer a stream's chunks belong to.
        UNIQUE (stream_id, model_id)
      ) STRICT;
      INSERT INTO answers_v3 (id, turn_id, model_id, model_label, text, status, error_code, error_message,
          input_tokens, output_tokens, started_at, updated_at, stream_id, attempt)
        SELECT a.id, a.turn_id, a.model_id, a.model_label, a.text, a.status, a.error_code, a.error_message,
          a.input_tokens, a.output_tokens, a.started_at, a.updated_at, t.stream_id, 1
        FROM answers a JOIN turns t ON t.id = a.turn_id ORDER BY a.id;
      DROP TABLE answers;
      ALTER TABLE answers_v3 RENAME TO answers;
    `)
    for (const sql of dependents) db.exec(sql)
  },
}

/**
 * Reasoning and why an answer ended: the model's reasoning beside its text ('' for every existing answer), and its
 * end details (stop reason, the provider's raw word for an unknown one, tool names, redacted reasoning blocks,
 * metrics) as one JSON document, NULL when the backend said nothing beyond status and usage (see
 * answer-end-details.ts, which validates it on read). Added columns only, so existing rows are not rewritten.
 *
 * Reasoning is deliberately NOT indexed for search: the triggers of migration 2 index `text` only, and a search hit
 * in a model's thinking would point at words the answer does not show.
 */
const reasoningAndEnd: Migration = {
  version: 4,
  description: 'answers keep their reasoning and end details (stop reason, tools, metrics)',
  up: (db) =>
    db.exec(`
      ALTER TABLE answers ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
      ALTER TABLE answers ADD COLUMN end_details TEXT CHECK (end_details IS NULL OR json_valid(end_details));
    `),
}

/**
 * Each conversation keeps the system prompt it was last sent with, so reopening it from history shows (and sends)
 * the same one. '' is none; an added column with a default, so existing rows are not rewritten.
 */
const systemPrompt: Migration = {
  version: 5,
  description: 'conversations keep their system prompt',
  up: (db) => db.exec(`ALTER TABLE conversations ADD COLUMN system_prompt TEXT NOT NULL DEFAULT '';`),
}

/**
 * A streaming answer grows by appended pieces instead of rewriting its row: SQLite rewrites a whole record (all its
 * overflow pages) on any UPDATE, so storing the text so far on every progress write made the bytes written grow
 * with the square of the answer's length. A piece holds what arrived in one write interval; the pieces are joined
 * into the answer's row when it ends, or at the next start for an answer a crash left streaming, so finished
 * answers (and every path that reads them: search, export, backups) never see this table.
 *
 * No index on answer_id: it would add a page to every commit (measured: 6.9× the text written instead of 5.2×
 * for a fast stream), while the table only ever holds the pieces of the answers streaming now, so reading one
 * answer's pieces, or the cascade from a deleted answer, scans a small table.
 */
const answerPieces: Migration = {
  version: 6,
  description: 'streaming answers are written as appended pieces',
  up: (db) =>
    db.exec(`
      CREATE TABLE answer_pieces (
        id INTEGER PRIMARY KEY,
        answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        reasoning TEXT NOT NULL,
        written_at INTEGER NOT NULL
      ) STRICT;
    `),
}

/**
 * A turn's attachments: references to files of the content-addressed attachments folder (by SHA-256), in the
 * order they were attached, with what the user saw (name, kind, size) and which columns did not get each one
 * (`withheld`: JSON, model id → reason). The files themselves stay out of the database: a backup or an export
 * carries them separately, and the same file in many conversations is stored once. The index finds whether any
 * turn still refers to a file when a conversation is deleted.
 */
const turnAttachments: Migration = {
  version: 7,
  description: 'turns keep their attachments',
  up: (db) =>
    db.exec(`
      CREATE TABLE turn_attachments (
        turn_id INTEGER NOT NULL REFERENCES turns (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        attachment_id TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('image', 'text', 'pdf')),
        media_type TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        text_id TEXT,
        pages INTEGER,
        withheld TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (turn_id, position)
      ) STRICT;
      CREATE INDEX turn_attachments_by_file ON turn_attachments (attachment_id);
      CREATE INDEX turn_attachments_by_text ON turn_attachments (text_id) WHERE text_id IS NOT NULL;
    `),
}

/**
 * A conversation that was asked on another device of the user (cloud mode: adopted live from its announcement, or
 * added at catch-up) says so, for the sidebar's mark. One column on conversations, independent of every other
 * migration.
 */
const askedOnAnotherDevice: Migration = {
  version: 8,
  description: 'conversations asked on another device are marked',
  up: (db) =>
    db.exec(
      'ALTER TABLE conversations ADD COLUMN asked_elsewhere INTEGER NOT NULL DEFAULT 0 CHECK (asked_elsewhere IN (0, 1))',
    ),
}

/**
 * The search indexes hold each message folded (NFKC, then lower case: search-fold.ts), so full-width and half-width
 * forms and any case match at every query length. The insert and update triggers fold what they index; both
 * indexes are rebuilt from the messages (contentless tables: emptied with 'delete-all').
 */
const foldedSearch: Migration = {
  version: 9,
  description: 'search indexes hold folded text (NFKC and lower case)',
  up: (db) => {
    // The triggers below call the function; a connection that runs this migration has it whatever opened it.
    registerSearchFolding(db)
    db.exec(`
      DROP TRIGGER turns_fts_insert;
      DROP TRIGGER turns_fts_update;
      DROP TRIGGER answers_fts_insert;
      DROP TRIGGER answers_fts_update;
      CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
        INSERT INTO prompts_fts (rowid, prompt) VALUES (new.id, ${FOLD_FUNCTION}(new.prompt));
      END;
      CREATE TRIGGER turns_fts_update AFTER UPDATE OF prompt ON turns BEGIN
        DELETE FROM prompts_fts WHERE rowid = old.id;
        INSERT INTO prompts_fts (rowid, prompt) VALUES (new.id, ${FOLD_FUNCTION}(new.prompt));
      END;
      CREATE TRIGGER answers_fts_insert AFTER INSERT ON answers WHEN new.status != 'streaming' BEGIN
        INSERT INTO answers_fts (rowid, text) VALUES (new.id, ${FOLD_FUNCTION}(new.text));
      END;
      CREATE TRIGGER answers_fts_update AFTER UPDATE OF text, status ON answers
        WHEN old.status != 'streaming' OR new.status != 'streaming' BEGIN
        DELETE FROM answers_fts WHERE rowid = old.id;
        INSERT INTO answers_fts (rowid, text) SELECT new.id, ${FOLD_FUNCTION}(new.text) WHERE new.status != 'streaming';
      END;
      INSERT INTO prompts_fts (prompts_fts) VALUES ('delete-all');
      INSERT INTO answers_fts (answers_fts) VALUES ('delete-all');
      INSERT INTO prompts_fts (rowid, prompt) SELECT id, ${FOLD_FUNCTION}(prompt) FROM turns;
      INSERT INTO answers_fts (rowid, text) SELECT id, ${FOLD_FUNCTION}(text) FROM answers WHERE status != 'streaming';
    `)
  },
}

export const HISTORY_MIGRATIONS: readonly Migration[] = [
  tables,
  fullTextSearch,
  versionsAndBranches,
  reasoningAndEnd,
  systemPrompt,
  answerPieces,
  turnAttachments,
  askedOnAnotherDevice,
  foldedSearch,
]
