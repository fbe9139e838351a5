// Node module hooks (module.register) for the shell tests' child process: the bare `electron` specifier, and only
// that one, resolves to the stand-in module. Everything else resolves as usual.
let standInUrl

export function initialize(data) {
  standInUrl = data.url
}

export function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: standInUrl, shortCircuit: true }
  return nextResolve(specifier, context)
}
