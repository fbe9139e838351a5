/**
 * Which of a prompt's attachments each model column gets: what its model reads (Settings' model inputs) and as
 * many images as its target takes. What a column does not get is listed with the reason, for its header: nothing
 * is dropped without the user being told.
 */
import type { AttachmentRef, ModelInputs, TurnAttachment, UndeliveredAttachment } from '../../shared/attachment'

export interface ColumnReader {
  modelId: string
  inputs: ModelInputs
  /** The most images its target takes in one request. */
  maxImages: number
}

export interface ColumnAttachments {
  send: AttachmentRef[]
  undelivered: UndeliveredAttachment[]
}

export interface AttachmentPlan {
  attachments: readonly AttachmentRef[]
  columns: Map<string, ColumnAttachments>
}

export function planAttachments(
  attachments: readonly AttachmentRef[],
  columns: readonly ColumnReader[],
): AttachmentPlan {
  return {
    attachments,
    columns: new Map(columns.map((column) => [column.modelId, planColumn(attachments, column)])),
  }
}

/** The prompt's attachments as its turn keeps them: each with the columns that did not get it, and why. */
export function turnAttachments(plan: AttachmentPlan): TurnAttachment[] {
  return plan.attachments.map((attachment) => {
    const withheld = Object.fromEntries(
      [...plan.columns].flatMap(([modelId, column]) =>
        column.undelivered.filter((u) => u.attachmentId === attachment.id).map((u) => [modelId, u.reason]),
      ),
    )
    return Object.keys(withheld).length > 0 ? { ...attachment, withheld } : { ...attachment }
  })
}

function planColumn(attachments: readonly AttachmentRef[], { inputs, maxImages }: ColumnReader): ColumnAttachments {
  const send: AttachmentRef[] = []
  const undelivered: UndeliveredAttachment[] = []
  let images = 0
  for (const attachment of attachments) {
    const refuse = (reason: UndeliveredAttachment['reason']) =>
      undelivered.push({ attachmentId: attachment.id, name: attachment.name, reason })
    if (attachment.kind === 'image') {
      if (!inputs.images) refuse('model-cannot-read-images')
      else if (images >= maxImages) refuse('too-many-images')
      else {
        images++
        send.push(attachment)
      }
    } else if (!inputs.documents) refuse('model-cannot-read-documents')
    else send.push(attachment)
  }
  return { send, undelivered }
}
