// Imported by every test that runs `bin/warden.js` as a child process: the
// child runs the TypeScript sources (through tsx), as the tests themselves
// do, never a dist/ build that may be older than them. test/e2e/build.test.ts
// checks the build itself.
process.env.WARDEN_SOURCE = '1';
