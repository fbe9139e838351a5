/**
 * A column's way to the settings of the model it shows ("Edit model" after an error a setting can fix), given by
 * the main window in local mode; absent elsewhere (quick ask, cloud mode), where the column offers no such button.
 */
import { createContext, useContext } from 'react'

export interface EditModelLink {
  /** Whether the model has an entry the user can edit (not a cloud model, not an embedded file). */
  canEdit(modelId: string): boolean
  edit(modelId: string): void
}

export const EditModelContext = createContext<EditModelLink | undefined>(undefined)

export const useEditModelLink = () => useContext(EditModelContext)
