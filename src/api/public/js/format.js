/** Formatting and guessing what a file is from its name. */

export function bytes(n) {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function rate(bps) {
  if (!bps) return '—';
  return `${bytes(Math.round(bps))}/s`;
}

export function duration(s) {
  if (s === undefined || s === null || !Number.isFinite(s)) return '—';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export function count(n) {
  return Number(n || 0).toLocaleString('en');
}

const KINDS = {
  audio: ['mp3', 'ogg', 'oga', 'flac', 'wav', 'm4a', 'aac', 'opus', 'wma', 'mid', 'midi', 'aiff'],
  video: ['mp4', 'm4v', 'mkv', 'avi', 'webm', 'mov', 'mpg', 'mpeg', 'wmv', 'ogv', 'flv'],
  image: ['jpg', 'jpeg', 'png', 'gif', 'webp', 'svg', 'bmp', 'tif', 'tiff'],
  document: ['pdf', 'txt', 'doc', 'docx', 'odt', 'epub', 'md', 'html', 'htm', 'rtf', 'ps', 'djvu', 'mobi'],
  archive: ['zip', 'tar', 'gz', 'tgz', 'bz2', 'xz', '7z', 'rar', 'zst'],
  program: ['exe', 'msi', 'deb', 'rpm', 'dmg', 'apk', 'appimage', 'sh', 'jar'],
  'disk image': ['iso', 'img'],
};
const BY_EXT = new Map();
for (const [kind, exts] of Object.entries(KINDS)) for (const e of exts) BY_EXT.set(e, kind);

export function extension(name) {
  const i = name.lastIndexOf('.');
  return i > 0 && i < name.length - 1 ? name.slice(i + 1).toLowerCase() : '';
}

/** 'audio · mp3', 'document · pdf', or just the extension. */
export function kind(name) {
  const ext = extension(name);
  const k = BY_EXT.get(ext);
  return k ? `${k} · ${ext}` : ext;
}

/** A bitrate written in the name ("… 320kbps.mp3", "[192k]"), in kb/s, or undefined. */
export function bitrate(name) {
  const m =
    /(?:^|[^0-9])(32|40|48|56|64|80|96|112|128|160|192|224|256|320)\s*(?:kbps|kbit\/s|kbit|kb\/s|k)(?![a-z])/i.exec(
      name,
    );
  return m ? Number(m[1]) : undefined;
}
