"""Products: create, read, update, archive, list with cursor pagination, merchant isolation."""


def create(c, **fields):
    body = {"title": "青花瓷杯 Porcelain cup", "price_minor": 8800}
    body.update(fields)
    r = c.post("/v1/products", body)
    assert r.status == 201, r
    return r


def test_create_returns_product_and_location(merchant):
    c, _, _ = merchant
    r = create(c, description="手绘 hand-painted", stock=5, image_url="https://img.example.com/cup.jpg")
    p = r.json
    assert p["object"] == "product"
    assert p["title"] == "青花瓷杯 Porcelain cup"
    assert p["price_minor"] == 8800 and p["currency"] == "CNY" and p["stock"] == 5
    assert p["status"] == "active"
    assert p["image_url"] == "https://img.example.com/cup.jpg"
    assert p["created_at"].endswith("Z")
    assert r.header("Location") == f"/v1/products/{p['id']}"
    again = c.get(r.header("Location"))
    assert again.status == 200 and again.json == p


def test_update_changes_only_given_fields(merchant):
    c, _, _ = merchant
    p = create(c, stock=3).json
    r = c.patch(f"/v1/products/{p['id']}", {"price_minor": 9900, "stock": 10, "image_url": None})
    assert r.status == 200, r
    q = r.json
    assert q["price_minor"] == 9900 and q["stock"] == 10 and q["title"] == p["title"]
    assert q["image_url"] is None
    assert c.get(f"/v1/products/{p['id']}").json["price_minor"] == 9900


def test_archive_and_listing_filters(merchant):
    c, _, _ = merchant
    keep = create(c, title="keep").json
    gone = create(c, title="gone").json
    r = c.post(f"/v1/products/{gone['id']}/archive")
    assert r.status == 200 and r.json["status"] == "archived"
    assert c.delete(f"/v1/products/{keep['id']}").json["status"] == "archived"  # DELETE archives too
    c.patch(f"/v1/products/{keep['id']}", {"status": "active"})
    current = [p["id"] for p in c.get("/v1/products").json["data"]]
    assert keep["id"] in current and gone["id"] not in current
    archived = [p["id"] for p in c.get("/v1/products?status=archived").json["data"]]
    assert archived == [gone["id"]]
    everything = [p["id"] for p in c.get("/v1/products?status=all").json["data"]]
    assert set(everything) == {keep["id"], gone["id"]}


def test_cursor_pagination_visits_each_product_once(merchant):
    c, _, _ = merchant
    ids = [create(c, title=f"item {i}").json["id"] for i in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        path = "/v1/products?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = c.get(path).json
        pages += 1
        seen += [p["id"] for p in page["data"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert pages == 3
    assert seen == sorted(ids, reverse=True)


def test_merchants_are_isolated(server, merchant):
    c, _, _ = merchant
    p = create(c).json
    _, other_key = server.new_merchant("Other")
    other = server.client(other_key)
    assert other.get(f"/v1/products/{p['id']}").status == 404
    assert other.patch(f"/v1/products/{p['id']}", {"stock": 1}).status == 404
    assert other.post(f"/v1/products/{p['id']}/archive").status == 404
    assert p["id"] not in [x["id"] for x in other.get("/v1/products?status=all").json["data"]]
    assert c.get(f"/v1/products/{p['id']}").json["stock"] == p["stock"]
    other.close()


def test_whoami(merchant):
    c, merchant_id, _ = merchant
    r = c.get("/v1/merchant")
    assert r.status == 200 and r.json["id"] == merchant_id and r.json["name"] == "Test Shop"
