// edgeauth-node.mjs — token generator for the interop test (edgeauth_interop_test.go):
// reads a JSON array of {options, acl | url} on stdin and prints the tokens that Akamai's
// Node EdgeAuth SDK (npm akamai-edgeauth) makes for them, as a JSON array of strings.
import EdgeAuth from 'akamai-edgeauth';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const tokens = JSON.parse(input).map(({ options, acl, url }) => {
  const ea = new EdgeAuth({ ...options });
  return url !== undefined ? ea.generateURLToken(url) : ea.generateACLToken(acl);
});
process.stdout.write(JSON.stringify(tokens));
