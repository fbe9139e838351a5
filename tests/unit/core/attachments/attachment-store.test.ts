import { createHash } from 'node:crypto'
import { readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AttachmentStore } from '../../../../src-main/core/attachments/attachment-store'
import { makeTempDir } from '../../../support/temp-dir'

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

describe('AttachmentStore', () => {
  it('stores bytes under their SHA-256, once, and reads them back verified', async () => {
    const store = new AttachmentStore(join(await makeTempDir('attachments'), 'attachments'))
    const bytes = Buffer.from('hello attachments')
    const id = await store.put(bytes)
    expect(id).toBe(sha256(bytes))
    expect(await store.put(Buffer.from(bytes))).toBe(id)
    expect(await readdir(store.directory)).toEqual([id])
    const read = await store.read(id)
    expect(read.status).toBe('ok')
    expect(read.status === 'ok' && Buffer.from(read.bytes).equals(bytes)).toBe(true)
  })

  it('says missing for a file that is gone or an id that is not a digest, without throwing', async () => {
    const store = new AttachmentStore(await makeTempDir('attachments'))
    const id = await store.put(Buffer.from('x'))
    await rm(join(store.directory, id))
    expect(await store.read(id)).toEqual({ status: 'missing' })
    expect(await store.read('../../etc/passwd')).toEqual({ status: 'missing' })
    expect(await new AttachmentStore(join(store.directory, 'never-made')).ids()).toEqual([])
  })

  it('says damaged for a file whose content no longer matches its name', async () => {
    const store = new AttachmentStore(await makeTempDir('attachments'))
    const id = await store.put(Buffer.from('original'))
    await writeFile(join(store.directory, id), 'changed')
    expect(await store.read(id)).toEqual({ status: 'damaged' })
    expect(await store.check(id)).toBe('damaged')
  })

  it('lists and removes ids, ignoring anything that is not one', async () => {
    const store = new AttachmentStore(await makeTempDir('attachments'))
    const a = await store.put(Buffer.from('a'))
    const b = await store.put(Buffer.from('b'))
    await writeFile(join(store.directory, '.incoming-abc'), 'partial')
    expect((await store.ids()).sort()).toEqual([a, b].sort())
    await store.remove(a)
    expect(await store.ids()).toEqual([b])
  })
})
