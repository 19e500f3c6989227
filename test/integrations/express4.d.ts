// `express4` is npm:express@4, installed to test the middleware on Express 4 too. Its API is the
// part of Express 5's typings these tests use.
declare module "express4" {
  import express from "express";
  export default express;
}
