// A vitest setup file: runs in every test file. Its afterAll is registered first, so with vitest's stacked hooks it
// runs last, once the file's own hooks have closed the brokers, databases and browsers that used the folders.
import { afterAll } from 'vitest'
import { removeTempDirs } from './temp-dir'

afterAll(removeTempDirs)
