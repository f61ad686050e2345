// Images too big for a hover's markdown as data: URIs (VS Code cuts markdown past 100,000
// characters) go into files: one temporary folder per session, made when first needed and
// removed when the extension deactivates. The same image is written once (named by its hash).

import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HoverImage, imageFileName } from "./display";

export class ImageFiles {
  private folder: string | undefined;

  /** The path of a file holding `image` (written now unless it already is), or undefined on failure. */
  write(image: HoverImage): string | undefined {
    try {
      this.folder ??= mkdtempSync(join(tmpdir(), "evalens-images-"));
      const path = join(this.folder, imageFileName(image, (text) => createHash("sha256").update(text).digest("hex").slice(0, 32)));
      if (!existsSync(path)) {
        writeFileSync(path, Buffer.from(image.base64, "base64")); // an SVG too: its text, base64-encoded

      }
      return path;
    } catch {
      return undefined;
    }
  }

  /** The session's folder, if one was made (for tests and logs). */
  get path(): string | undefined {
    return this.folder;
  }

  dispose(): void {
    if (this.folder) {
      rmSync(this.folder, { recursive: true, force: true });
      this.folder = undefined;
    }
  }
}
