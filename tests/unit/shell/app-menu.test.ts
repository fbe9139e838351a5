import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { appMenuTemplate, type AppMenuOptions } from '../../../src-main/shell/app-menu'

const options = (changes: Partial<AppMenuOptions> = {}): AppMenuOptions => ({
  platform: 'darwin',
  isPackaged: true,
  language: 'en',
  openSettings: () => {},
  ...changes,
})

/** Every item of the menu and its submenus, depth first. */
function items(template: MenuItemConstructorOptions[] | null): MenuItemConstructorOptions[] {
  return (template ?? []).flatMap((item) => [item, ...items(Array.isArray(item.submenu) ? item.submenu : null)])
}
const roles = (template: MenuItemConstructorOptions[] | null) => items(template).map((item) => item.role)
const DEVELOPER_ROLES = ['reload', 'forceReload', 'toggleDevTools']

describe('the application menu', () => {
  it('on macOS: the app menu with About, Settings… and Quit, Edit with the standard roles, and Window', () => {
    const template = appMenuTemplate(options())!
    expect(template.map((menu) => menu.label)).toEqual(['StreamDesk', 'Edit', 'Window'])
    const appMenu = items([template[0]!]).map((item) => item.label ?? item.type)
    expect(appMenu).toEqual(expect.arrayContaining(['About StreamDesk', 'Settings…', 'Quit StreamDesk']))
    expect(roles([template[1]!])).toEqual(
      expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'pasteAndMatchStyle', 'selectAll']),
    )
    expect(template[2]!.role).toBe('windowMenu')
  })

  it('Settings… opens Settings, with Cmd+,', () => {
    const openSettings = vi.fn()
    const settings = items(appMenuTemplate(options({ openSettings }))).find((item) => item.label === 'Settings…')!
    expect(settings.accelerator).toBe('Command+,')
    ;(settings.click as () => void)()
    expect(openSettings).toHaveBeenCalledOnce()
  })

  it('offers Reload and the developer tools only in development', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      expect(roles(appMenuTemplate(options({ platform, isPackaged: true })))).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/reload|devtools/i)]),
      )
      expect(roles(appMenuTemplate(options({ platform, isPackaged: false })))).toEqual(
        expect.arrayContaining(DEVELOPER_ROLES),
      )
    }
  })

  it('has no menu bar on Windows and Linux in a packaged build', () => {
    expect(appMenuTemplate(options({ platform: 'win32' }))).toBeNull()
    expect(appMenuTemplate(options({ platform: 'linux' }))).toBeNull()
  })

  it('speaks Japanese: every item has a label, none left in English', () => {
    const english = items(appMenuTemplate(options({ isPackaged: false })))
    const japanese = items(appMenuTemplate(options({ isPackaged: false, language: 'ja' })))
    expect(japanese.map((item) => item.role)).toEqual(english.map((item) => item.role))
    const labelled = japanese.filter((item) => item.type !== 'separator' && item.label !== 'StreamDesk')
    expect(labelled.length).toBeGreaterThan(20)
    for (const [index, item] of labelled.entries()) {
      expect(item.label, item.role).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/)
      expect(item.label).not.toBe(
        english.filter((e) => e.type !== 'separator' && e.label !== 'StreamDesk')[index]!.label,
      )
    }
    expect(japanese.map((item) => item.label)).toEqual(expect.arrayContaining(['設定…', 'StreamDesk を終了', 'コピー']))
  })
})
