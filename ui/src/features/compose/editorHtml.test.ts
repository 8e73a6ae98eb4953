import { describe, expect, it } from "vitest";
import { htmlForEditor, htmlFromEditor, htmlToPlainText, textToHtml } from "./editorHtml";

describe("the HTML body", () => {
  it("shows cid: images as data URLs and stores them as cid: again", () => {
    const images = [{ content_id: "logo@x.test", mime_type: "image/png", data_base64: "iVBORw==" }];
    const shown = htmlForEditor('<p>Hi <img src="cid:logo@x.test" alt="logo"></p>', images);
    expect(shown).toContain('src="data:image/png;base64,iVBORw=="');
    expect(shown).toContain('data-cid="logo@x.test"');
    const editor = document.createElement("div");
    editor.innerHTML = shown;
    expect(htmlFromEditor(editor)).toEqual({
      html: '<p>Hi <img src="cid:logo@x.test" alt="logo"></p>',
      cids: ["logo@x.test"],
    });
  });

  it("turns plain text into paragraphs and back", () => {
    const html = textToHtml("Hello <you>,\nsee below.\n\nBye");
    expect(html).toBe("<p>Hello &lt;you&gt;,<br>see below.</p><p>Bye</p>");
    const editor = document.createElement("div");
    editor.innerHTML = html + "<ul><li>one</li><li>two</li></ul>";
    expect(htmlToPlainText(editor)).toBe("Hello <you>,\nsee below.\nBye\n• one\n• two\n");
  });
});
