// Forward values, shape errors, the graph's lifetime, and our GEMM against xtensor-blas.
#include <catch2/catch.hpp>

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xrandom.hpp>

#include "gradcheck.hpp"
#include "seqrl/nets/losses.hpp"

using namespace seqrl;
using namespace seqrl::nets;

TEST_CASE("matmul agrees with xtensor-blas's dot in every transpose form", "[nets]") {
  Rng rng(1);
  Tensor a = test::random_tensor({37, 23}, rng), b = test::random_tensor({23, 41}, rng);
  Tensor ref = xt::linalg::dot(a, b);
  Tensor at = xt::transpose(a), bt = xt::transpose(b);
  for (auto [ta, tb] : {std::pair{false, false}, {true, false}, {false, true}, {true, true}}) {
    Tensor c = matmul(Var(ta ? at : a), Var(tb ? bt : b), ta, tb).value();
    REQUIRE(c.shape() == ref.shape());
    CHECK(xt::allclose(c, ref, 1e-5, 1e-5));
  }
  Tensor a3 = test::random_tensor({2, 3, 23}, rng);
  Tensor c3 = matmul(Var(a3), Var(b)).value();
  REQUIRE(c3.shape() == std::vector<size_t>{2, 3, 41});
  Tensor flat = a3;
  flat.reshape({6, 23});
  Tensor ref3 = xt::linalg::dot(flat, b);
  ref3.reshape({2, 3, 41});
  CHECK(xt::allclose(c3, ref3, 1e-5, 1e-5));
}

TEST_CASE("element-wise ops broadcast like numpy", "[nets]") {
  Var a(Tensor{{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  Var b(Tensor{10.f, 20.f, 30.f});
  CHECK(((a + b).value() == Tensor{{11.f, 22.f, 33.f}, {14.f, 25.f, 36.f}}));
  CHECK(((a * b).value() == Tensor{{10.f, 40.f, 90.f}, {40.f, 100.f, 180.f}}));
  CHECK((sum(a, {0}).value() == Tensor{5.f, 7.f, 9.f}));
  CHECK(mean(a).item() == Approx(3.5f));
  CHECK(concat({a, a}, 0).shape() == Shape{4, 3});
  CHECK((slice(a, 1, 1, 3).value() == Tensor{{2.f, 3.f}, {5.f, 6.f}}));
  CHECK(stack({b, b}, 0).shape() == Shape{2, 3});
  CHECK((transpose(a).value() == Tensor{{1.f, 4.f}, {2.f, 5.f}, {3.f, 6.f}}));
}

TEST_CASE("shape mismatches throw ShapeError naming both shapes", "[nets][errors]") {
  Var a(Tensor::from_shape({2, 3})), b(Tensor::from_shape({4, 5}));
  try {
    matmul(a, b);
    FAIL("no throw");
  } catch (const ShapeError& e) {
    const std::string m = e.what();
    CHECK_THAT(m, Catch::Contains("[2, 3]"));
    CHECK_THAT(m, Catch::Contains("[4, 5]"));
  }
  CHECK_THROWS_AS(add(a, b), ShapeError);
  CHECK_THROWS_AS(reshape(a, {4}), ShapeError);
  CHECK_THROWS_AS(slice(a, 1, 2, 5), ShapeError);
  CHECK_THROWS_WITH(embedding(Var(Tensor::from_shape({5, 2})), IntTensor{1, 7}),
                    Catch::Contains("id 7") && Catch::Contains("[0, 5)"));
  CHECK_THROWS_AS(cross_entropy(Var(Tensor::from_shape({2, 3})), IntTensor{0, 3}), ValueError);
  // every one of these is a seqrl::Error
  CHECK_THROWS_AS(matmul(a, b), seqrl::Error);
}

TEST_CASE("backward accumulates, releases the graph, and NoGrad records nothing", "[nets]") {
  Var w(Tensor{1.f, 2.f}, true);
  Var y = sum(w * w);
  y.backward();
  CHECK((w.grad() == Tensor{2.f, 4.f}));
  Var y2 = sum(w * 3.f);
  y2.backward();
  CHECK((w.grad() == Tensor{5.f, 7.f}));  // accumulated
  w.zero_grad();
  CHECK((w.grad() == Tensor{0.f, 0.f}));
  CHECK(y.node()->parents.empty());  // released after backward
  {
    NoGrad ng;
    Var z = sum(w * w);
    CHECK_FALSE(z.requires_grad());
    CHECK_THROWS_AS(z.backward(), seqrl::Error);
  }
  CHECK(sum(w * w).requires_grad());
  Var c(Tensor{1.f});
  CHECK_THROWS_WITH(c.grad(), Catch::Contains("no gradient"));
}

TEST_CASE("a shared sub-expression gets the sum of its uses' gradients", "[nets]") {
  Var x(Tensor{3.f}, true);
  Var h = x * x;                   // used twice below
  Var y = sum(h * h + h * 2.f);    // y = x^4 + 2 x^2, dy/dx = 4x^3 + 4x = 120
  y.backward();
  CHECK(x.grad()(0) == Approx(120.f));
}

TEST_CASE("stop_gradient passes the value and blocks the gradient", "[nets]") {
  Var a(Tensor{2.f, 3.f}, true), b(Tensor{5.f, 7.f}, true);
  Var y = sum(a * stop_gradient(b) + b);  // dy/da = b, dy/db = 1 (not a + 1)
  y.backward();
  CHECK((a.grad() == Tensor{5.f, 7.f}));
  CHECK((b.grad() == Tensor{1.f, 1.f}));
}
