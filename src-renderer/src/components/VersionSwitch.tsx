import { useStrings } from '../i18n'

interface VersionSwitchProps {
  label: string
  /** 0-based. */
  index: number
  count: number
  onSelect(index: number): void
}

/** ‹ 2/3 › in a column's header: which version of a regenerated answer is shown, and the way to the others. */
export function VersionSwitch({ label, index, count, onSelect }: VersionSwitchProps) {
  const t = useStrings()
  return (
    <span className="version-switch" role="group" aria-label={t.versions.group(label)} data-testid="column-versions">
      <button
        type="button"
        className="button small icon"
        data-testid="version-previous"
        aria-label={t.versions.previous}
        disabled={index === 0}
        onClick={() => onSelect(index - 1)}
      >
        ‹
      </button>
      <span data-testid="version-position" aria-label={t.versions.position(index + 1, count)} aria-live="polite">
        {index + 1}/{count}
      </span>
      <button
        type="button"
        className="button small icon"
        data-testid="version-next"
        aria-label={t.versions.next}
        disabled={index === count - 1}
        onClick={() => onSelect(index + 1)}
      >
        ›
      </button>
    </span>
  )
}
