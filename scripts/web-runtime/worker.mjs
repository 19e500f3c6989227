// A Cloudflare Worker (module syntax) serving both apps of ./apps.mjs: `/0/…` the fetch core,
// `/1/…` Hono. Bundled by check-web-runtimes.mjs --workerd and run in workerd through Miniflare.
import { apps } from "./apps.mjs";

let served;

export default {
  async fetch(request) {
    served ??= apps();
    const url = new URL(request.url);
    const [, index, ...rest] = url.pathname.split("/");
    const app = served[Number(index)];
    if (app === undefined) return new Response("no such app", { status: 404 });
    url.pathname = `/${rest.join("/")}`;
    return app[1](new Request(url, request));
  },
};
