// Opens the main sections of the sidebar on a reader's first visit: TypeDoc starts every section closed, which
// hides the capability groups of the API. TypeDoc stores each section's state under `tsd-accordion-<path>` and reads
// it when it builds the sidebar (after this deferred script has run); a state the reader chose is kept.
for (const key of ['Guides', 'serverless-done-right', 'serverless-done-right/local']) {
  try {
    if (localStorage.getItem(`tsd-accordion-${key}`) === null) localStorage.setItem(`tsd-accordion-${key}`, 'true')
  } catch {
    // storage disabled: the sidebar starts closed, as TypeDoc's own
  }
}
