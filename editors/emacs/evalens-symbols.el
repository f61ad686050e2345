;;; evalens-symbols.el --- Functions of a buffer, from the server's document symbols  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; `evalens-call' completes the buffer's top-level functions and shows a
;; call's Result after the `def' line of the function called: both come
;; from the server's textDocument/documentSymbol answer, read here
;; (dotted targets such as "Counter.incr" for methods).

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'eglot)
(require 'jsonrpc)
(require 'evalens-server)

(defconst evalens--class-kind 5 "LSP SymbolKind of a class.")
(defconst evalens--function-kind 12 "LSP SymbolKind of a function.")
(defconst evalens--callable-kinds '(5 6 12) "LSP SymbolKind of a class, a method, a function.")

(defun evalens--symbol-line (symbol)
  "The 0-based line of the name of SYMBOL (a DocumentSymbol plist)."
  (plist-get (plist-get (or (plist-get symbol :selectionRange) (plist-get symbol :range)) :start) :line))

(defun evalens--callables (symbols &optional nested)
  "Functions, classes and methods in SYMBOLS, depth first.
SYMBOLS is a documentSymbol answer.  Each is (TARGET KIND LINE): TARGET
dotted (\"Counter.incr\"), LINE 0-based.  NESTED non-nil: also what is
defined inside functions (not callable by name)."
  (let (found)
    (cl-labels ((walk (list prefix)
                  (dolist (symbol (append list nil))
                    (let ((kind (plist-get symbol :kind)))
                      (when (memql kind evalens--callable-kinds)
                        (let ((target (concat prefix (plist-get symbol :name))))
                          (push (list target kind (evalens--symbol-line symbol)) found)
                          (when (or nested (eql kind evalens--class-kind))
                            (walk (plist-get symbol :children) (concat target ".")))))))))
      (walk symbols ""))
    (nreverse found)))

(defun evalens--symbol-name (target)
  "The last dotted part of TARGET."
  (string-trim (car (last (split-string target "\\.")))))

(defun evalens--find-symbol (symbols target)
  "The 0-based line where TARGET is defined, according to SYMBOLS, or nil.
The symbol of that dotted name (\"Counter.incr\"), else the first function,
method or class named like its last part."
  (let ((all (evalens--callables symbols t))
        (target (string-trim target)))
    (or (nth 2 (assoc target all))
        (let ((name (evalens--symbol-name target)))
          (and (not (string-empty-p name))
               (nth 2 (cl-find-if (lambda (c) (equal (evalens--symbol-name (car c)) name)) all)))))))

(defun evalens--document-symbols-params ()
  (eglot--signal-textDocument/didChange)
  (list :textDocument (eglot--TextDocumentIdentifier)))

(defun evalens--locate (target callback)
  "Ask the server where TARGET is defined in this buffer, asynchronously.
CALLBACK gets the position of the start of that line, or nil."
  (let ((buffer (current-buffer))
        (server (evalens--running-server)))
    (if (not server)
        (funcall callback nil)
      (evalens--async-request
       server :textDocument/documentSymbol (list :textDocument (eglot--TextDocumentIdentifier))
       :success-fn (lambda (symbols)
                     (funcall callback
                              (when (buffer-live-p buffer)
                                (with-current-buffer buffer
                                  (when-let ((line (evalens--find-symbol symbols target)))
                                    (save-excursion
                                      (goto-char (point-min))
                                      (forward-line line)
                                      (point)))))))
       :error-fn (lambda (_err) (funcall callback nil))))))

(defun evalens--function-names ()
  "The top-level functions of this buffer (the server's document symbols)."
  (when-let ((server (evalens--running-server)))
    (let ((symbols (ignore-errors
                     (jsonrpc-request server :textDocument/documentSymbol (evalens--document-symbols-params)
                                      :timeout 2))))
      (cl-loop for (target kind _line) in (evalens--callables symbols)
               when (and (eql kind evalens--function-kind) (not (string-match-p "\\." target)))
               collect target))))

(provide 'evalens-symbols)
;;; evalens-symbols.el ends here
