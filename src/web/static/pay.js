// hutong wallet pages: the WeChat Pay JSAPI button. The server signed the parameters
// (appId, timeStamp, nonceStr, package, signType, paySign) and put them in a JSON data
// element; this hands them to WeixinJSBridge, which exists only inside WeChat, and sends a
// paid buyer to the order page. The payment itself is confirmed by WeChat Pay's signed
// notification to the server, never by this script.
(function () {
  "use strict";

  var button = document.querySelector("[data-wechatpay-jsapi]");
  var data = document.getElementById("wechatpay-jsapi");
  if (!button || !data) { return; }
  var params = JSON.parse(data.textContent);

  function pay() {
    if (typeof WeixinJSBridge === "undefined") { return; }
    WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (res) {
      if (res && res.err_msg === "get_brand_wcpay_request:ok") {
        window.location.href = button.getAttribute("data-return");
      }
    });
  }

  button.addEventListener("click", pay);
  if (typeof WeixinJSBridge === "undefined") {
    document.addEventListener("WeixinJSBridgeReady", pay, false);
  } else {
    pay();
  }
})();
