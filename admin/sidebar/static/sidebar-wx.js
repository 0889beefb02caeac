/* WeCom's JS-SDK for the sidebar: load it inside WeCom, then wx.config + wx.agentConfig with
   the server's signatures (/api/v1/sidebar/jssdk). `connect()` answers false where there is
   no SDK (a desktop browser); `invoke(name, args)` wraps wx.invoke in a promise. */
(function () {
  "use strict";
  const SDK = [
    "https://res.wx.qq.com/open/js/jweixin-1.2.0.js",
    "https://open.work.weixin.qq.com/wwopen/js/jwxwork-1.0.0.js",
  ];
  const APIS = ["getCurExternalContact", "sendChatMessage"];
  const api = (method, path, body) => window.SCRM.api(method, path, body);

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error("无法加载企业微信 JS-SDK"));
      document.head.append(s);
    });
  }

  /* Inside WeCom the SDK is loaded from WeCom's servers; elsewhere there is no wx at all. */
  async function haveSdk() {
    if (window.wx) { return true; }
    if (!/wxwork/i.test(navigator.userAgent)) { return false; }
    for (const src of SDK) { await loadScript(src); }
    return Boolean(window.wx);
  }

  function configure(sign) {
    const wx = window.wx;
    return new Promise((resolve, reject) => {
      wx.config({ beta: true, debug: false, appId: sign.corp.appId, timestamp: sign.corp.timestamp,
        nonceStr: sign.corp.nonceStr, signature: sign.corp.signature, jsApiList: APIS });
      if (wx.error) { wx.error((res) => reject(new Error("wx.config 失败：" + ((res && res.errMsg) || "")))); }
      const agent = () => wx.agentConfig({
        corpid: sign.agent.corpid, agentid: sign.agent.agentid, timestamp: sign.agent.timestamp,
        nonceStr: sign.agent.nonceStr, signature: sign.agent.signature, jsApiList: APIS,
        success: resolve,
        fail: (res) => reject(new Error("agentConfig 失败：" + ((res && (res.errMsg || res.err_msg)) || ""))),
      });
      if (wx.ready) { wx.ready(agent); } else { agent(); }
    });
  }

  function invoke(name, args) {
    return new Promise((resolve) => window.wx.invoke(name, args, (res) => resolve(res || {})));
  }

  async function connect() {
    if (!(await haveSdk())) { return false; }
    const url = location.href.split("#")[0];
    const sign = await api("GET", "/api/v1/sidebar/jssdk?url=" + encodeURIComponent(url));
    await configure(sign);
    return true;
  }

  window.SidebarWx = { connect, invoke };
})();
