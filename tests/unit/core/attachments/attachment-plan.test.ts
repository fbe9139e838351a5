import { describe, expect, it } from 'vitest'
import { planAttachments, turnAttachments } from '../../../../src-main/core/attachments/attachment-plan'
import type { AttachmentRef } from '../../../../src-main/shared/attachment'

const ref = (n: number, kind: AttachmentRef['kind']): AttachmentRef => ({
  id: String(n).repeat(64).slice(0, 64),
  name: `file-${n}`,
  kind,
  mediaType: kind === 'image' ? 'image/png' : kind === 'pdf' ? 'application/pdf' : 'text/plain',
  sizeBytes: 10,
})

describe('planAttachments', () => {
  const image1 = ref(1, 'image')
  const image2 = ref(2, 'image')
  const text = ref(3, 'text')
  const pdf = ref(4, 'pdf')

  it('gives each column what its model reads, in the order attached, and lists the rest with why', () => {
    const plan = planAttachments(
      [image1, text, pdf],
      [
        { modelId: 'vision', inputs: { images: true, documents: true }, maxImages: 10 },
        { modelId: 'text', inputs: { images: false, documents: true }, maxImages: 10 },
        { modelId: 'bare', inputs: { images: false, documents: false }, maxImages: 10 },
      ],
    )
    expect(plan.columns.get('vision')).toEqual({ send: [image1, text, pdf], undelivered: [] })
    expect(plan.columns.get('text')).toEqual({
      send: [text, pdf],
      undelivered: [{ attachmentId: image1.id, name: 'file-1', reason: 'model-cannot-read-images' }],
    })
    expect(plan.columns.get('bare')!.send).toEqual([])
    expect(plan.columns.get('bare')!.undelivered.map((u) => u.reason)).toEqual([
      'model-cannot-read-images',
      'model-cannot-read-documents',
      'model-cannot-read-documents',
    ])
  })

  it('sends no more images than the target takes, and says which were left out', () => {
    const plan = planAttachments(
      [image1, text, image2],
      [{ modelId: 'm', inputs: { images: true, documents: true }, maxImages: 1 }],
    )
    expect(plan.columns.get('m')).toEqual({
      send: [image1, text],
      undelivered: [{ attachmentId: image2.id, name: 'file-2', reason: 'too-many-images' }],
    })
  })

  it('keeps, per attachment, the columns that did not get it', () => {
    const plan = planAttachments(
      [image1, text],
      [
        { modelId: 'vision', inputs: { images: true, documents: true }, maxImages: 10 },
        { modelId: 'text', inputs: { images: false, documents: true }, maxImages: 10 },
      ],
    )
    expect(turnAttachments(plan)).toEqual([{ ...image1, withheld: { text: 'model-cannot-read-images' } }, text])
  })
})
