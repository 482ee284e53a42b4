/** The demo's first line: what it does, and how to open the review app given the state of its build. */
export function demoIntro(build: 'fresh' | 'stale' | 'missing'): string {
  const app =
    build === 'fresh'
      ? 'the review app is built: npm start opens it'
      : build === 'stale'
        ? 'the review app: npm start rebuilds it (its build is older than the sources) and opens it'
        : 'the review app: npm start builds it (a few seconds) and opens it';
  return `the bundled model on the bundled sample project, from the command line (${app}).`;
}
