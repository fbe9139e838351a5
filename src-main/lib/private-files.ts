/**
 * Owner-only files and folders for what holds the user's conversations and settings: 0600 files, 0700 folders.
 * SQLite creates a database (and its backups) 0644 by default, readable by every account on the machine; it gives
 * the -wal and -shm files the mode of their database, so a database created private keeps its companions private.
 * On Windows POSIX modes mean nothing (the user profile's ACLs protect the folder): these only create there.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'

export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

const posix = process.platform !== 'win32'

/** Creates the folder (and its parents) if missing, and makes it owner-only, also when it existed before. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE })
  if (posix) chmodSync(path, PRIVATE_DIR_MODE)
}

/**
 * Creates the file empty if it is missing, owner-only from its first byte (an empty file is a valid empty SQLite
 * database, so SQLite then writes into it and keeps its mode); an existing file is made owner-only too.
 */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE))
  if (posix) chmodSync(path, PRIVATE_FILE_MODE)
}

/** Makes each existing file owner-only (files an earlier version created 0644); missing ones are skipped. */
export function restrictExistingFiles(paths: readonly string[]): void {
  if (!posix) return
  for (const path of paths) if (existsSync(path)) chmodSync(path, PRIVATE_FILE_MODE)
}
