// tests/browser/verify.test.mjs - the web verifier's cases in Debian's chromium, driven by
// playwright-core.  Run by tests/browser/test_verify.sh, which builds the logs, serves them and
// sets the QP_* variables.  Prints one line per case and "N passed, N failed".
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const env = (k) => {
	if (!process.env[k]) throw new Error(`${k} is not set (run tests/browser/test_verify.sh)`);
	return process.env[k];
};
const BASE = env("QP_BASE"), CERT = env("QP_CERT"), INDEX = Number(env("QP_INDEX"));
const HASH = env("QP_HASH"), SIZE = Number(env("QP_SIZE")), SHOTS = env("QP_SHOTS");
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
async function check(name, url, want, reason, { before, offline, noWebCrypto, impl } = {}) {
	const context = await browser.newContext({ viewport: { width: 900, height: 1100 } });
	const page = await context.newPage();
	page.setDefaultTimeout(TIMEOUT);
	const strays = [], errors = [];
	page.on("request", (r) => {
		const u = r.url();
		if (!u.startsWith(BASE + "/") && !u.startsWith("file://")) strays.push(u);
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
		if (strays.length) problems.push(`requests outside the log: ${strays.join(" ")}`);
		if (errors.length) problems.push(`page errors: ${errors.join("; ")}`);
		if (want === "valid") {
			const table = await page.textContent("#entry");
			for (const s of [CERT, "保障权票", "330681-H-"])
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

await check("live", link("log"), "valid", "As of entry " + INDEX, { impl: "WebCrypto" });
await check("qr-url", `${BASE}/log/verify#c=${CERT}&i=${INDEX}&h=${HASH}`, "valid", "As of entry " + INDEX);
await check("hash-changed", link("log", CERT, INDEX, badHash), "tampered", "the link says " + badHash);
await check("fork-uncosigned", link("fork"), "tampered", "no cosignature by witness 330681.auditor.wang");
await check("fork-cosig-copied", link("forkcos"), "tampered", "the cosignature by witness 330681.auditor.wang does not verify");
await check("tile-altered", link("badtile"), "tampered", "the tiles do not lead to the checkpoint's root");
await check("beyond-log", link("log", CERT, SIZE + 5), "notfound", `entry ${SIZE + 5} is not in the log`);
await check("other-cert", link("log", "330681-2026-G-000099"), "tampered", "is not about certificate 330681-2026-G-000099");
await check("bad-link", `${BASE}/log/verify.html#c=${CERT}&i=${INDEX}&h=xyz`, "tampered", "not 64 lowercase hex digits");
await check("no-link", `${BASE}/log/verify.html`, "idle", "Scan the certificate's QR code");
// Two witnesses configured, one of which never cosigned: a quorum of one accepts, both do not.
await check("quorum-1-of-2", `${BASE}/log/quorum1.html#c=${CERT}&i=${INDEX}&h=${HASH}`, "valid", "As of entry " + INDEX);
await check("quorum-2-of-2", `${BASE}/log/quorum2.html#c=${CERT}&i=${INDEX}&h=${HASH}`, "tampered",
	"no cosignature by witness 330681.auditor.li (1 of the 2 required)");
// The QR's URL pasted into the page (a phone's scanner that only shows the text).
await check("pasted-url", `${BASE}/log/verify.html`, "valid", "As of entry " + INDEX,
	{ before: paste(`${BASE}/verify#c=${CERT}&i=${INDEX}&h=${HASH}\n`) });
await check("pasted-url-changed", `${BASE}/log/verify.html`, "tampered", "the link says " + badHash,
	{ before: paste(`${BASE}/verify#c=${CERT}&i=${INDEX}&h=${badHash}`) });
// Without WebCrypto's Ed25519 the vendored @noble/ed25519 verifies the same, and refuses the same.
await check("noble-live", link("log"), "valid", "As of entry " + INDEX, { noWebCrypto: true, impl: "@noble/ed25519" });
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

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
