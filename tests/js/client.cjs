// Uses the LRS through @xapi/xapi exactly as browser content or a Node LMS would.
// Usage: node client.cjs ENDPOINT KEY SECRET VERSION ACTIVITY ; prints a JSON summary.
const XAPI = require("@xapi/xapi").default;

async function main() {
  const [endpoint, key, secret, version, activity] = process.argv.slice(2);
  const xapi = new XAPI({ endpoint, auth: XAPI.toBasicAuth(key, secret), version });
  const statement = {
    actor: { objectType: "Agent", name: "Resident", mbox: "mailto:resident@example.org" },
    verb: { id: "http://adlnet.gov/expapi/verbs/passed", display: { "en-US": "passed" } },
    object: { objectType: "Activity", id: activity },
    result: { score: { scaled: 0.9 }, success: true },
  };
  const sent = await xapi.sendStatement({ statement });
  const id = sent.data[0];
  const fetched = await xapi.getStatement({ statementId: id });
  const listed = await xapi.getStatements({ activity, limit: 5 });
  const voided = await xapi.voidStatement({ actor: statement.actor, statementId: id });
  const gone = await xapi.getVoidedStatement({ voidedStatementId: id });
  const about = await xapi.getAbout();
  console.log(
    JSON.stringify({
      id,
      fetchedId: fetched.data.id,
      listed: listed.data.statements.map((s) => s.id),
      voidingId: voided.data[0],
      voidedId: gone.data.id,
      versions: about.data.version,
    })
  );
}

main().catch((error) => {
  console.error(error.response ? JSON.stringify(error.response.data) : String(error));
  process.exit(1);
});
