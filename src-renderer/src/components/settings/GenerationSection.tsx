import { useState, type FormEvent } from 'react'
import type { GenerationSettings } from '../../../../src-main/shared/ipc-contract'
import {
  PARAMETER_LIMITS,
  parameterIssues,
  REASONING_EFFORTS,
  type GenerationParameters,
  type ParameterIssue,
} from '../../../../src-main/shared/generation'
import { PRICE_LIMITS, priceIssues, type ModelPrice } from '../../../../src-main/shared/price'
import { useStrings, type Strings } from '../../i18n'
import type { GenerationModel } from '../../state/mode-models'

interface GenerationSectionProps {
  generation: GenerationSettings
  /** The current mode's models, each of which may override the defaults and have a price. */
  models: readonly GenerationModel[]
  /** The prices the user set, by model id. */
  prices: Record<string, ModelPrice>
  /** Resolve to undefined when saved, else why not, in plain words. */
  onSetParameters(parameters: GenerationParameters, modelId?: string): Promise<string | undefined>
  onSetPrice(modelId: string, price: ModelPrice | null): Promise<string | undefined>
  onSetSystemPrompt(text: string): Promise<string | undefined>
}

/** '' = "All models": the app-wide defaults. */
const DEFAULTS = ''

/**
 * Generation parameters: the app-wide defaults and each model's overrides (an empty field is "not set": the
 * defaults, or the provider's own), each model's price, and the default system prompt. Values are checked here with
 * the same rules as the settings store, which checks them again. A reasoning effort is offered only where the model
 * can reason.
 */
export function GenerationSection(props: GenerationSectionProps) {
  const { generation, models, prices, onSetParameters, onSetPrice, onSetSystemPrompt } = props
  const t = useStrings()
  const [target, setTarget] = useState(DEFAULTS)
  const saved = target === DEFAULTS ? generation.defaults : (generation.models[target] ?? {})
  const model = models.find((m) => m.id === target)
  return (
    <section className="settings-section" data-testid="generation-section">
      <h3>{t.generation.title}</h3>
      <label className="field">
        <span>{t.generation.appliesTo}</span>
        <select data-testid="generation-target" value={target} onChange={(event) => setTarget(event.target.value)}>
          <option value={DEFAULTS}>{t.generation.allModels}</option>
          {models.map((model) => (
            <option key={model.id} value={model.id}>
              {model.label}
            </option>
          ))}
        </select>
      </label>
      {/* A new key per target: the form starts from that target's saved values (and keeps its "Saved." after a save). */}
      <ParametersForm
        key={`parameters:${target}`}
        saved={saved}
        canReason={model?.canReason ?? true}
        onSave={(parameters) => onSetParameters(parameters, target === DEFAULTS ? undefined : target)}
      />
      {model && (
        <PriceForm
          key={`price:${target}`}
          saved={prices[target]}
          listPrice={model.listPrice}
          onSave={(price) => onSetPrice(target, price)}
        />
      )}
      <SystemPromptField
        key={`system:${generation.systemPrompt}`}
        saved={generation.systemPrompt}
        onSave={onSetSystemPrompt}
      />
    </section>
  )
}

type Fields = Record<'temperature' | 'topP' | 'maxOutputTokens', string>

function ParametersForm({
  saved,
  canReason,
  onSave,
}: {
  saved: GenerationParameters
  /** False hides the reasoning effort (and saves none): the model cannot think on request. */
  canReason: boolean
  onSave(parameters: GenerationParameters): Promise<string | undefined>
}) {
  const t = useStrings()
  const [fields, setFields] = useState<Fields>({
    temperature: saved.temperature?.toString() ?? '',
    topP: saved.topP?.toString() ?? '',
    maxOutputTokens: saved.maxOutputTokens?.toString() ?? '',
  })
  const [reasoning, setReasoning] = useState(saved.reasoning ?? '')
  const [problems, setProblems] = useState<string[]>([])
  const [status, setStatus] = useState<'idle' | 'saved'>('idle')

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const parameters: Record<string, unknown> = {}
    for (const name of ['temperature', 'topP', 'maxOutputTokens'] as const) {
      const text = fields[name].trim()
      if (text !== '') parameters[name] = Number(text)
    }
    if (reasoning !== '' && canReason) parameters.reasoning = reasoning
    const found = parameterIssues(parameters).map((issue) => describeIssue(t, issue))
    setProblems(found)
    setStatus('idle')
    if (found.length > 0) return
    const refused = await onSave(parameters as GenerationParameters)
    if (refused) setProblems([refused])
    else setStatus('saved')
  }

  const field = (name: keyof Fields, label: string, step: string) => {
    const { min, max } = PARAMETER_LIMITS[name]
    return (
      <label className="field">
        <span>{t.generation.range(label, min.toLocaleString(), max.toLocaleString())}</span>
        <input
          type="number"
          inputMode="decimal"
          data-testid={`param-${name}`}
          min={min}
          max={max}
          step={step}
          placeholder={t.generation.notSet}
          value={fields[name]}
          aria-invalid={problems.length > 0}
          onChange={(event) => setFields({ ...fields, [name]: event.target.value })}
        />
      </label>
    )
  }

  return (
    <form className="generation-form" onSubmit={(event) => void submit(event)} noValidate>
      {field('temperature', t.generation.temperature, '0.1')}
      {field('topP', t.generation.topP, '0.05')}
      {field('maxOutputTokens', t.generation.maxOutputTokens, '1')}
      {canReason && (
        <label className="field">
          <span>{t.generation.reasoning}</span>
          <select
            data-testid="param-reasoning"
            value={reasoning}
            onChange={(event) => setReasoning(event.target.value)}
          >
            <option value="">{t.generation.reasoningOff}</option>
            {REASONING_EFFORTS.map((effort) => (
              <option key={effort} value={effort}>
                {t.generation.effort[effort]}
              </option>
            ))}
          </select>
        </label>
      )}
      {problems.length > 0 && (
        <ul className="form-error" role="alert" data-testid="generation-problems">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary small" data-testid="generation-save">
          {t.generation.save}
        </button>
        {status === 'saved' && (
          <span role="status" data-testid="generation-saved">
            {t.generation.saved}
          </span>
        )}
      </div>
    </form>
  )
}

type PriceFields = Record<keyof ModelPrice, string>

/**
 * One model's price in US dollars per million tokens. An empty field takes the list price (shown as the
 * placeholder); both empty goes back to the list price, or to no price (no cost shown) where there is none.
 */
function PriceForm({
  saved,
  listPrice,
  onSave,
}: {
  saved: ModelPrice | undefined
  listPrice: ModelPrice | undefined
  onSave(price: ModelPrice | null): Promise<string | undefined>
}) {
  const t = useStrings()
  const [fields, setFields] = useState<PriceFields>({
    inputPerMillion: saved?.inputPerMillion.toString() ?? '',
    outputPerMillion: saved?.outputPerMillion.toString() ?? '',
  })
  const [problems, setProblems] = useState<string[]>([])
  const [status, setStatus] = useState<'idle' | 'saved'>('idle')
  const labels: PriceFields = { inputPerMillion: t.generation.inputPrice, outputPerMillion: t.generation.outputPrice }

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const figure = (name: keyof ModelPrice) => {
      const text = fields[name].trim()
      return text === '' ? listPrice?.[name] : Number(text)
    }
    const cleared = fields.inputPerMillion.trim() === '' && fields.outputPerMillion.trim() === ''
    const price = { inputPerMillion: figure('inputPerMillion'), outputPerMillion: figure('outputPerMillion') }
    const found = cleared ? [] : priceIssues(price).map((name) => t.generation.badPrice(labels[name], PRICE_LIMITS.max))
    setProblems(found)
    setStatus('idle')
    if (found.length > 0) return
    const refused = await onSave(cleared ? null : (price as ModelPrice))
    if (refused) setProblems([refused])
    else setStatus('saved')
  }

  const field = (name: keyof ModelPrice) => (
    <label className="field">
      <span>{labels[name]}</span>
      <input
        type="number"
        inputMode="decimal"
        data-testid={`price-${name}`}
        min={PRICE_LIMITS.min}
        max={PRICE_LIMITS.max}
        step="0.01"
        placeholder={listPrice ? t.generation.listPrice(`$${listPrice[name]}`) : t.generation.notSet}
        value={fields[name]}
        aria-invalid={problems.length > 0}
        onChange={(event) => setFields({ ...fields, [name]: event.target.value })}
      />
    </label>
  )

  return (
    <form className="generation-form" data-testid="price-form" onSubmit={(event) => void submit(event)} noValidate>
      <fieldset className="choice-group">
        <legend>{t.generation.price}</legend>
        {field('inputPerMillion')}
        {field('outputPerMillion')}
        {listPrice && <p className="muted">{t.generation.priceDefaultHint}</p>}
      </fieldset>
      {problems.length > 0 && (
        <ul className="form-error" role="alert" data-testid="price-problems">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary small" data-testid="price-save">
          {t.generation.save}
        </button>
        {status === 'saved' && (
          <span role="status" data-testid="price-saved">
            {t.generation.saved}
          </span>
        )}
      </div>
    </form>
  )
}

function SystemPromptField({ saved, onSave }: { saved: string; onSave(text: string): Promise<string | undefined> }) {
  const t = useStrings()
  const [text, setText] = useState(saved)
  const [problem, setProblem] = useState<string>()
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setProblem(await onSave(text))
  }
  return (
    <form className="generation-form" onSubmit={(event) => void submit(event)}>
      <label className="field">
        <span>{t.generation.defaultSystemPrompt}</span>
        <textarea
          data-testid="default-system-prompt"
          rows={3}
          value={text}
          placeholder={t.generation.defaultSystemPromptHint}
          onChange={(event) => setText(event.target.value)}
        />
      </label>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button small"
          data-testid="default-system-prompt-save"
          disabled={text === saved}
        >
          {t.generation.save}
        </button>
      </div>
    </form>
  )
}

function describeIssue(t: Strings, issue: ParameterIssue): string {
  if (issue.name === 'reasoning') return t.generation.badReasoning
  const label = t.generation[issue.name]
  return (issue.integer ? t.generation.notWhole : t.generation.outOfRange)(label, issue.min, issue.max)
}
