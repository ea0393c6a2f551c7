// tests/browser/verify.test.mjs - the web verifier's cases in Debian's chromium, driven by
// playwright-core.  Run by tests/browser/test_verify.sh, which builds the logs, serves them and
// sets the QP_* variables.  Prints one line per case and "N passed, N failed".
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

const env = (k) => {
	if (!process.env[k]) throw new Error(`${k} is not set (run tests/browser/test_verify.sh)`);
	return process.env[k];
};
const BASE = env("QP_BASE"), CERT = env("QP_CERT"), INDEX = Number(env("QP_INDEX"));
const HASH = env("QP_HASH"), SIZE = Number(env("QP_SIZE")), SHOTS = env("QP_SHOTS");
const SVC = env("QP_SVC"); // quanpiaod serving the same log
const SVC2 = env("QP_SVC2"); // quanpiaod serving it with one more, unwitnessed checkpoint
// Generous: a loaded 2-core machine, chromium's first start.
const TIMEOUT = 90_000;

const browser = await chromium.launch({
	executablePath: env("QP_CHROMIUM"),
	headless: true,
	args: ["--no-sandbox", "--disable-dev-shm-usage"],
	timeout: TIMEOUT,
});
let passed = 0, failed = 0;
const link = (dir, c = CERT, i = INDEX, h = HASH) => `${BASE}/${dir}/verify.html#c=${c}&i=${i}&h=${h}`;

// open the page, wait for its verdict, check state and reason; every request must go to the log.
async function check(name, url, want, reason, { before, offline, noWebCrypto, impl, steps: stepsHave, cert = CERT } = {}) {
	const context = await browser.newContext({ viewport: { width: 900, height: 1100 } });
	const page = await context.newPage();
	page.setDefaultTimeout(TIMEOUT);
	const strays = [], errors = [];
	page.on("request", (r) => {
		const u = r.url();
		if (!u.startsWith(BASE + "/") && !u.startsWith(SVC + "/") && !u.startsWith(SVC2 + "/") && !u.startsWith("file://")) strays.push(u);
	});
	page.on("pageerror", (e) => errors.push(e.message));
	if (noWebCrypto) // a browser without Ed25519 in WebCrypto: the page must use @noble/ed25519
		await context.addInitScript(() => {
			const importKey = crypto.subtle.importKey.bind(crypto.subtle);
			crypto.subtle.importKey = (f, k, alg, ...rest) =>
				(alg === "Ed25519" || (alg && alg.name === "Ed25519"))
					? Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError"))
					: importKey(f, k, alg, ...rest);
		});
	try {
		if (offline) await context.setOffline(true);
		await page.goto(url, { timeout: TIMEOUT });
		if (before) await before(page);
		await page.waitForFunction(() => {
			const s = document.getElementById("verdict").dataset.state;
			return s && s !== "running";
		}, null, { timeout: TIMEOUT });
		const state = await page.getAttribute("#verdict", "data-state");
		const why = await page.textContent("#verdict-why");
		const big = await page.textContent("#verdict-big");
		await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
		const problems = [];
		if (state !== want) problems.push(`state ${state}, expected ${want}`);
		if (reason && !why.includes(reason)) problems.push(`reason "${why}" lacks "${reason}"`);
		const steps = await page.textContent("#steps");
		if (impl && !steps.includes("Ed25519: " + impl)) problems.push(`the steps do not say Ed25519: ${impl}`);
		if (stepsHave && !steps.includes(stepsHave)) problems.push(`the steps do not say "${stepsHave}"`);
		if (strays.length) problems.push(`requests outside the log: ${strays.join(" ")}`);
		if (errors.length) problems.push(`page errors: ${errors.join("; ")}`);
		if (want === "valid") {
			const table = await page.textContent("#entry");
			for (const s of [cert, "保障权票", "330681-H-"])
				if (!table.includes(s)) problems.push(`the entry table lacks ${s}: ${table}`);
		}
		if (problems.length) {
			failed++;
			console.log(`FAIL ${name}: ${problems.join("; ")}\n  verdict: ${big} / ${why}\n  steps: ${await page.textContent("#steps")}`);
		} else {
			passed++;
			console.log(`ok   ${name}: ${big.trim()} (${why})`);
		}
	} catch (e) {
		failed++;
		console.log(`FAIL ${name}: ${e.message}`);
	} finally {
		await context.close();
	}
}

// A hex digit of h changed: the log's entry no longer matches the printed link.
const d = HASH[10] === "0" ? "1" : "0";
const badHash = HASH.slice(0, 10) + d + HASH.slice(11);
const paste = (text) => async (page) => {
	await page.fill("#paste", text);
	await page.click("#check");
};
const bundle = readFileSync(env("QP_BUNDLE"), "utf8");
const SPENT = env("QP_SPENT"), SPENT_INDEX = Number(env("QP_SPENT_INDEX")), SPENT_HASH = env("QP_SPENT_HASH");
const ABSENT = env("QP_ABSENT");
const statusProof = readFileSync(env("QP_STATUS"), "utf8"), absentProof = readFileSync(env("QP_ABSENT_STATUS"), "utf8");
const forkProof = readFileSync(env("QP_FORK_STATUS"), "utf8"), spentBundle = readFileSync(env("QP_SPENT_BUNDLE"), "utf8");
// The state the status map proves, against the checkpoint the page verified.
const NOW = "Current state: the status map of checkpoint " + SIZE;

await check("live", link("log"), "valid", NOW, { impl: "WebCrypto" });
await check("qr-url", `${BASE}/log/verify#c=${CERT}&i=${INDEX}&h=${HASH}`, "valid", NOW);
await check("hash-changed", link("log", CERT, INDEX, badHash), "tampered", "the link says " + badHash);
// A checkpoint the witness never cosigned: a fork, or too new for the witness; never "valid".
await check("fork-uncosigned", link("fork"), "unwitnessed", "no cosignature by witness 330681.auditor.wang");
await check("fork-cosig-copied", link("forkcos"), "tampered", "the cosignature by witness 330681.auditor.wang does not verify");
await check("tile-altered", link("badtile"), "tampered", "the tiles do not lead to the checkpoint's root");
await check("beyond-log", link("log", CERT, SIZE + 5), "notfound", `entry ${SIZE + 5} is not in the log`);
await check("other-cert", link("log", "330681-2026-G-000099"), "tampered", "is not about certificate 330681-2026-G-000099");
await check("bad-link", `${BASE}/log/verify.html#c=${CERT}&i=${INDEX}&h=xyz`, "tampered", "not 64 lowercase hex digits");
await check("no-link", `${BASE}/log/verify.html`, "idle", "Scan the certificate's QR code");
// Two witnesses configured, one of which never cosigned: a quorum of one accepts, both do not.
await check("quorum-1-of-2", `${BASE}/log/quorum1.html#c=${CERT}&i=${INDEX}&h=${HASH}`, "valid", NOW);
await check("quorum-2-of-2", `${BASE}/log/quorum2.html#c=${CERT}&i=${INDEX}&h=${HASH}`, "unwitnessed",
	"no cosignature by witness 330681.auditor.li (1 of the 2 required)");
// The QR's URL pasted into the page (a phone's scanner that only shows the text).
await check("pasted-url", `${BASE}/log/verify.html`, "valid", NOW,
	{ before: paste(`${BASE}/verify#c=${CERT}&i=${INDEX}&h=${HASH}\n`) });
await check("pasted-url-changed", `${BASE}/log/verify.html`, "tampered", "the link says " + badHash,
	{ before: paste(`${BASE}/verify#c=${CERT}&i=${INDEX}&h=${badHash}`) });
// Without WebCrypto's Ed25519 the vendored @noble/ed25519 verifies the same, and refuses the same.
await check("noble-live", link("log"), "valid", NOW, { noWebCrypto: true, impl: "@noble/ed25519" });
await check("noble-fork-cosig-copied", link("forkcos"), "tampered", "does not verify", { noWebCrypto: true, impl: "@noble/ed25519" });
// The saved file with the network off: the pasted bundle verifies; a link alone cannot.
const saved = "file://" + env("QP_SAVED");
await check("saved-offline-bundle", saved, "valid", "As of the bundle's checkpoint", { offline: true, before: paste(bundle) });
await check("saved-offline-link", saved + `#c=${CERT}&i=${INDEX}&h=${HASH}`, "error", "cannot reach the log", { offline: true });
const damaged = bundle.replace('"kind":"guarantee"', '"kind":"guaranteE"');
await check("saved-bundle-damaged", saved, "tampered", "bundle: entry " + INDEX + " is not in the log under this checkpoint", { offline: true, before: paste(damaged) });
// The saved page with the network on reads the log at its pinned address only where the log
// sends CORS headers (quanpiaod does; python3 -m http.server does not): it says it cannot reach it.
await check("saved-online-no-cors", saved + `#c=${CERT}&i=${INDEX}&h=${HASH}`, "error", "cannot reach the log");


// The certificate's current state from the status map (issue 21), against the same checkpoint.
const spentLink = (dir) => link(dir, SPENT, SPENT_INDEX, SPENT_HASH);
await check("spent", spentLink("log"), "spent", NOW + " holds it (entry " + (SIZE - 1) + " last changed it)",
	{ steps: "holds " + SPENT + ": spent" });
await check("status-only-link", `${BASE}/log/verify.html#c=${CERT}`, "valid", NOW);
await check("status-not-found", `${BASE}/log/verify.html#c=${ABSENT}`, "notfound", "proves there is no certificate " + ABSENT);
await check("fork-status", link("forkstatus"), "tampered", "against another tree of the same size " + SIZE);
await check("swapped-status", link("swapstatus"), "tampered", `the log's status proof is of ${SPENT}, not of ${CERT}`);
await check("other-checkpoint-status", link("otherstatus"), "tampered",
	`the status proof is against checkpoint ${SIZE - 1}, the log's is ${SIZE} (a stale or altered status proof)`, { steps: "reading it again" });
// Static tiles with no status proofs: the state of the link's entry, and the page says so (a spent
// certificate shows valid there: what the status proof is for).
await check("tiles-only-live", link("tilesonly"), "valid", "As of entry " + INDEX, { steps: "the log serves no status proof" });
await check("tiles-only-spent", spentLink("tilesonly"), "valid", "As of entry " + SPENT_INDEX,
	{ steps: "the log serves no status proof", cert: SPENT });
await check("tiles-only-status-link", `${BASE}/tilesonly/verify.html#c=${CERT}`, "error", "the log serves no status proof of " + CERT);
// A status proof pasted into the saved page with the network off; and altered ones.
await check("saved-offline-status", saved, "valid", NOW, { offline: true, before: paste(statusProof), steps: "cosigned by 330681.auditor.wang" });
await check("saved-offline-status-absent", saved, "notfound", "proves there is no certificate " + ABSENT, { offline: true, before: paste(absentProof) });
await check("saved-offline-status-fork", saved, "unwitnessed", "no cosignature by witness 330681.auditor.wang", { offline: true, before: paste(forkProof) });
await check("saved-offline-status-record-altered", saved, "tampered", "the map holds another record for it",
	{ offline: true, before: paste(statusProof.replace("\nstate live\n", "\nstate spnt\n")) });
// One sibling of the map proof changed (its first non-empty one).
const mapAt = statusProof.indexOf("\nquanpiao/status-map-proof/v1\n");
const sib = statusProof.slice(mapAt).split("\n").slice(4).find((l) => /^[A-Za-z0-9+/]{43}=$/.test(l));
const flipped = sib.slice(0, 5) + (sib[5] === "A" ? "B" : "A") + sib.slice(6);
await check("saved-offline-status-map-altered", saved, "tampered", "does not lead to the checkpoint's status-map root",
	{ offline: true, before: paste(statusProof.slice(0, mapAt) + statusProof.slice(mapAt).replace(sib, flipped)) });
// The map's proof of absence with a record put after it.
await check("saved-offline-status-absent-as-live", saved, "tampered", "the map proof ends at no record of it",
	{ offline: true, before: paste(absentProof + statusProof.slice(statusProof.indexOf("\nrecord ") + 1)) });
// A bundle's status sections: the spent certificate's bundle shows spent.
await check("saved-offline-spent-bundle", saved, "spent", "its status map holds this state", { offline: true, before: paste(spentBundle) });
// A bundle with one section cut out (an entry with its proof, or a status with its map proof)
// and its sha256 line made again: the status map holds what the remaining entries do not lead to.
function cutSection(text, header) {
	const b = Buffer.from(text, "utf8");
	let o = 0;
	const line = () => { const nl = b.indexOf(10, o); const s = b.subarray(o, nl).toString(); o = nl + 1; return s; };
	const skip = (l) => { o += Number(l.split(" ").pop()); };
	line(), line(), skip(line());
	for (;;) {
		const start = o, l = line();
		if (l.startsWith("sha256 ")) throw new Error(`no section ${header} in the bundle`);
		skip(l), skip(line());
		if (l.startsWith(header)) {
			const shaAt = b.lastIndexOf("sha256 ");
			const body = Buffer.concat([b.subarray(0, start), b.subarray(o, shaAt)]);
			return body.toString() + "sha256 " + createHash("sha256").update(body).digest("hex") + "\n";
		}
	}
}
await check("saved-offline-spent-bundle-cut", saved, "tampered", "an entry is missing, extra or altered",
	{ offline: true, before: paste(cutSection(spentBundle, `entry ${SIZE - 1} `)) });
await check("saved-offline-bundle-no-status", saved, "tampered", "the bundle carries no proof of its state",
	{ offline: true, before: paste(cutSection(bundle, `status ${CERT} `)) });
// quanpiaod serving the log: its /verify page reads /checkpoint, tiles and the status proof from
// /v1/certificates/{id}/status; the saved page pinned to it reads them across origins (CORS).
const svcLink = (c = CERT, i = INDEX, h = HASH) => `${SVC}/verify#c=${c}&i=${i}&h=${h}`;
await check("service-live", svcLink(), "valid", NOW, { steps: "the status proof is against the same checkpoint" });
await check("service-spent", svcLink(SPENT, SPENT_INDEX, SPENT_HASH), "spent", NOW);
await check("service-not-found", `${SVC}/verify#c=${ABSENT}`, "notfound", "proves there is no certificate " + ABSENT);
await check("saved-online-service", "file://" + env("QP_SAVED_SVC") + `#c=${CERT}&i=${INDEX}&h=${HASH}`, "valid", NOW);
// The remainder of the redemption: live, made by the entry that spent its parent.
const REST = env("QP_REST"), restBundle = readFileSync(env("QP_REST_BUNDLE"), "utf8");
await check("service-remainder", `${SVC}/verify#c=${REST}`, "valid", NOW + " holds it (entry " + (SIZE - 1) + " last changed it)", { cert: REST });
await check("saved-offline-remainder-bundle", saved, "valid", "its status map holds this state", { offline: true, before: paste(restBundle), cert: REST });
// A service whose newest checkpoint (over a freeze of CERT) is not cosigned yet: the state as of
// the newest one the witness cosigned (live), saying that newer entries are not witnessed yet; a
// link to the freeze itself is newer than anything witnessed.
const FROZEN_INDEX = Number(env("QP_FROZEN_INDEX")), FROZEN_HASH = env("QP_FROZEN_HASH");
await check("service-newest-unwitnessed", `${SVC2}/verify#c=${CERT}&i=${INDEX}&h=${HASH}`, "valid",
	NOW + " holds it (entry " + INDEX + " last changed it); the log has 1 newer entry (checkpoint " + (SIZE + 1) + ")",
	{ steps: "the newest checkpoint its witnesses cosigned: size " + SIZE });
await check("service-newest-unwitnessed-status-link", `${SVC2}/verify#c=${CERT}`, "valid", "not cosigned yet");
await check("service-entry-unwitnessed", `${SVC2}/verify#c=${CERT}&i=${FROZEN_INDEX}&h=${FROZEN_HASH}`, "unwitnessed",
	`entry ${FROZEN_INDEX} is newer than the newest checkpoint its witnesses cosigned (size ${SIZE})`);
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
