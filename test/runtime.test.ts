describe('test runtime', () => {
  it('runs on Node 22 or later, the runtime the package targets', () => {
    const major = Number(process.versions.node.split('.')[0])
    console.log(`tests running on Node ${process.versions.node}`)
    expect(major).toBeGreaterThanOrEqual(22)
  })
})
