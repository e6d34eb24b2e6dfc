import { randomInt } from 'node:crypto';

// Our own word lists; the shape (adjective-noun-number, at most 20 characters) is MLflow's.
const ADJECTIVES = (
  'amber bold brave bright calm clever crisp daring eager gentle golden grand happy honest jolly keen kind ' +
  'lively lucky merry mighty nimble noble polite proud quick quiet rapid silver smart steady sunny swift tidy ' +
  'vivid warm wise witty young zesty'
).split(' ');
const NOUNS = (
  'badger bear crane deer dolphin eagle falcon fox gecko heron ibis koala lark lemur lynx mole newt otter owl ' +
  'panda puffin quail raven robin seal shrew sloth snail squid stork swan tiger toad trout vole whale wolf wren ' +
  'yak zebra'
).split(' ');

/** A random run name such as `swift-otter-417`, like MLflow's generated run names. */
export function generateRunName(): string {
  for (;;) {
    const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
    if (name.length <= 20) return name;
  }
}
