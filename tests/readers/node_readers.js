// node node_readers.js unzipper|yauzl ZIP: npm's unzipper in streaming mode
// (unzipper.Parse(): local headers only, as a download is read) and yauzl
// (central directory). Prints "NAME<TAB>SHA-256" per file and "NAME<TAB>-"
// per folder, in archive order, as tests/readers/expect.py does; any error
// is a failure (exit 1).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const modules = path.join(__dirname, 'node_modules');

const lines = [];
function fail(err) {
	process.stderr.write(`node_readers ${process.argv[2]}: ${err && err.stack || err}\n`);
	process.exit(1);
}
function done() {
	process.stdout.write(lines.join(''), () => process.exit(0));
}
// hash a readable stream, then call next
function hash(name, stream, next) {
	const h = crypto.createHash('sha256');
	stream.on('data', (b) => h.update(b));
	stream.on('error', fail);
	stream.on('end', () => {
		lines.push(`${name}\t${h.digest('hex')}\n`);
		next();
	});
}

const [mode, file] = process.argv.slice(2);
if (mode === 'unzipper') {
	const unzipper = require(path.join(modules, 'unzipper'));
	const parse = unzipper.Parse();
	parse.on('entry', (e) => {
		if (e.type === 'Directory') {
			lines.push(`${e.path.endsWith('/') ? e.path : e.path + '/'}\t-\n`);
			e.autodrain();
		} else {
			hash(e.path, e, () => {});
		}
	});
	parse.on('error', fail);
	parse.on('close', done);
	fs.createReadStream(file, { highWaterMark: 1 << 20 }).on('error', fail).pipe(parse);
} else if (mode === 'yauzl') {
	const yauzl = require(path.join(modules, 'yauzl'));
	yauzl.open(file, { lazyEntries: true, strictFileNames: true }, (err, z) => {
		if (err) fail(err);
		z.on('error', fail);
		z.on('end', done);
		z.on('entry', (e) => {
			if (e.fileName.endsWith('/')) {
				lines.push(`${e.fileName}\t-\n`);
				z.readEntry();
				return;
			}
			z.openReadStream(e, (err, s) => {
				if (err) fail(err);
				hash(e.fileName, s, () => z.readEntry());
			});
		});
		z.readEntry();
	});
} else {
	fail(`unknown reader ${mode}`);
}
