import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { setSettingsAside, startFailureChoice, startFailureDialog } from '../../../src-main/shell/start-failure'
import { makeTempDir } from '../../support/temp-dir'

describe('the start-failure dialog', () => {
  it('says why, where the data is, and offers Quit, Open the data folder and Reset settings', () => {
    const error = Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR' })
    const options = startFailureDialog(error, '/home/ann/.config/StreamDesk')
    expect(options.type).toBe('error')
    expect(options.message).toBe('StreamDesk could not start.')
    expect(options.detail).toContain('EISDIR: illegal operation on a directory, read')
    expect(options.detail).toContain('/home/ann/.config/StreamDesk')
    expect(options.buttons).toEqual(['Quit', 'Open the data folder', 'Reset settings and restart'])
    expect(options.buttons!.map((_, response) => startFailureChoice(response))).toEqual([
      'quit',
      'open-data-folder',
      'reset-settings',
    ])
  })

  it("speaks the UI's language (Japanese), the buttons in the same order", () => {
    const options = startFailureDialog(new Error('EACCES'), '/Users/ann/Library/StreamDesk', 'ja')
    expect(options.message).toBe('StreamDesk を起動できませんでした。')
    expect(options.detail).toMatch(/^EACCES\n\n会話と設定は \/Users\/ann\/Library\/StreamDesk にあります。/)
    expect(options.buttons).toEqual(['終了', 'データフォルダーを開く', '設定をリセットして再起動'])
    expect(startFailureChoice(2)).toBe('reset-settings')
  })

  it('quits for a response it does not know, and keeps a URL password out of the text', () => {
    expect(startFailureChoice(-1)).toBe('quit')
    expect(startFailureChoice(7)).toBe('quit')
    const detail = startFailureDialog(new Error('proxy http://ann:secret@proxy.example:8080 refused'), '/d').detail
    expect(detail).not.toContain('secret')
  })
})

describe('setSettingsAside', () => {
  it('moves the settings file to a timestamped backup beside it, content unchanged', async () => {
    const dir = await makeTempDir('start-failure')
    await writeFile(join(dir, 'settings.json'), '{"broken": ')
    const backup = await setSettingsAside(dir, new Date('2026-12-07T11:30:00.123Z'))
    expect(backup).toBe(join(dir, 'settings.json.reset-2026-12-07T11-30-00-123Z'))
    expect(await readdir(dir)).toEqual(['settings.json.reset-2026-12-07T11-30-00-123Z'])
    expect(await readFile(backup!, 'utf8')).toBe('{"broken": ')
  })

  it('moves a folder in its place too, and reports when there is nothing to move', async () => {
    const dir = await makeTempDir('start-failure')
    await mkdir(join(dir, 'settings.json'))
    expect(await setSettingsAside(dir)).toMatch(/settings\.json\.reset-/)
    expect(await setSettingsAside(dir)).toBeUndefined()
  })
})
