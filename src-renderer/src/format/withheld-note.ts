import type { WithheldReason } from '../../../src-main/shared/attachment'
import type { Strings } from '../i18n'

/** What a column says it did not get ("Not given to this model: chart.png (it cannot read images)"), if anything. */
export function withheldNote(
  missed: ReadonlyArray<{ name: string; reason: WithheldReason }>,
  t: Strings,
): string | undefined {
  if (missed.length === 0) return undefined
  return t.attachments.withheld(
    missed.map(({ name, reason }) => `${name} (${t.attachments.reasons[reason]})`).join(', '),
  )
}
