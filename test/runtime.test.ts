describe('test runtime', () => {
  it('runs on Node 22 or later, the runtime the package targets', () => {
    const major = Number(process.versions.node.split('.')[0])
    expect(major).toBeGreaterThanOrEqual(22)
  })
})
