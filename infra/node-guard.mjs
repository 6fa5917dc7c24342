// Runs before every npm script, on whatever Node npm found. Plain JS so that an old Node can still read it.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 22)) {
  console.error(
    `grimOS needs Node.js >= 22.22 (24 LTS is pinned), but this script ran on v${process.versions.node}: run \`npm install\` so npm scripts use node_modules/.bin/node.`,
  )
  process.exit(1)
}
